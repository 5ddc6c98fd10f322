package domain

import (
	"encoding/json"
	"slices"
	"strings"
	"time"
)

// Correction is an audit correction (aidflow.audit.record_corrected.v1) of
// one of the donation's own events or of one of its allocations' events,
// kept to show beside the original on the public journey. The original is
// never changed: the journey shows what was recorded and what was
// corrected.
//
// Only public facts are kept: the corrected event's type, the reason
// (dropped when it looks like contact details or a tracking code), and
// the corrected values of the public fields in PublicCorrectedFields.
type Correction struct {
	// EventID is the correction's own event id: the same correction
	// delivered twice is kept once.
	EventID string
	// AllocationID is the corrected allocation's id; empty when the
	// correction is of the donation's own event.
	AllocationID string
	CorrectsType string
	Reason       string
	// Corrected holds the public corrected values, as JSON values.
	Corrected   map[string]json.RawMessage
	CorrectedAt time.Time
}

// PublicCorrectedFields are the fields of a corrected event's data the
// public journey shows: quantities, items, standards, statuses and
// regions. Names, phone numbers, notes, ids and codes never are.
var PublicCorrectedFields = []string{
	"item", "standard", "quantity", "status", "shipped_quantity", "received_quantity", "damaged_quantity", "hospital_region", "region",
}

// NewCorrection keeps the public part of a correction; corrected is the
// correction's raw "corrected" object (may be empty).
func NewCorrection(eventID, allocationID, correctsType, reason string, corrected json.RawMessage, at time.Time) Correction {
	c := Correction{EventID: eventID, AllocationID: allocationID, CorrectsType: correctsType, CorrectedAt: at.UTC()}
	if r := strings.TrimSpace(reason); !LooksLikeContact(r) && !containsTrackingCode(r) {
		c.Reason = r
	}
	var fields map[string]json.RawMessage
	if len(corrected) > 0 && json.Unmarshal(corrected, &fields) == nil {
		for k, v := range fields {
			if slices.Contains(PublicCorrectedFields, k) && scalar(v) {
				if c.Corrected == nil {
					c.Corrected = map[string]json.RawMessage{}
				}
				c.Corrected[k] = v
			}
		}
	}
	return c
}

// scalar says v is a JSON string, number or boolean: a public field's
// value, never an object that could carry anything.
func scalar(v json.RawMessage) bool {
	var x any
	if json.Unmarshal(v, &x) != nil {
		return false
	}
	switch s := x.(type) {
	case float64, bool:
		return true
	case string:
		return !LooksLikeContact(s) && !containsTrackingCode(s)
	}
	return false
}

// containsTrackingCode says some word of s is a well-formed tracking code.
func containsTrackingCode(s string) bool {
	for _, w := range strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ',' || r == ';' || r == ':' || r == '(' || r == ')' }) {
		if _, ok := NormalizeTrackingCode(w); ok {
			return true
		}
	}
	return false
}

// AddCorrection records c once (by its event id); false when already held.
func (d *Donation) AddCorrection(c Correction) bool {
	if slices.ContainsFunc(d.Corrections, func(x Correction) bool { return x.EventID == c.EventID }) {
		return false
	}
	d.Corrections = append(d.Corrections, c)
	return true
}
