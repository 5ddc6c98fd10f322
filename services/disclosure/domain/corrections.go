package domain

import (
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/aidflow/aidflow/contracts/events"
)

// Correction is a correction of an allocation's event
// (aidflow.audit.record_corrected.v1), public fields only. The original
// is never changed: the correction is shown beside it.
type Correction struct {
	// ID is the correction event's id; Subject the allocation's id.
	ID, Subject string
	// CorrectsType is the corrected event's type.
	CorrectsType string
	Reason       string
	// By is the filing organization's id; the view names it.
	By     string
	Fields []CorrectedField
	At     time.Time
}

// CorrectedField is one corrected value, as text.
type CorrectedField struct {
	Field string `json:"field"`
	Value string `json:"value"`
}

// FlowCorrection is a correction as GET /v1/public/flows shows it, beside
// the flow it corrects.
type FlowCorrection struct {
	Time time.Time `json:"time"`
	// Corrects is the corrected event's type, e.g. allocation_dispatched.
	Corrects string `json:"corrects"`
	// CorrectedBy is regulator:<org id>, or the hospital's or
	// manufacturer's public name; empty for anyone else.
	CorrectedBy string           `json:"corrected_by"`
	Reason      string           `json:"reason"`
	Fields      []CorrectedField `json:"fields"`
}

// CorrectableFields are the fields of an allocation event whose corrected
// values are published (they are public in a flow); any other corrected
// field (a tracking number, say) is dropped.
var CorrectableFields = []string{"item", "quantity", "status", "hospital_region", "decided_by", "reason", "shipped_quantity", "received_quantity"}

// RecordCorrected applies aidflow.audit.record_corrected.v1: only
// corrections of allocation events are kept (the public sees allocations
// one by one; needs and reports only in totals), once per correction.
func (m *Model) RecordCorrected(id, subject string, at time.Time, d events.RecordCorrected) (Correction, bool) {
	if _, ok := m.Corrections[id]; ok || !slices.Contains(events.AllocationTypes, d.CorrectsType) || subject == "" {
		return Correction{}, false
	}
	c := Correction{ID: id, Subject: subject, CorrectsType: d.CorrectsType, Reason: Sanitize(d.Reason), By: d.CorrectedBy, At: at.UTC()}
	var fields map[string]json.RawMessage
	if len(d.Corrected) > 0 && json.Unmarshal(d.Corrected, &fields) == nil {
		for _, f := range CorrectableFields {
			raw, ok := fields[f]
			if !ok {
				continue
			}
			var s string
			var n json.Number
			switch {
			case json.Unmarshal(raw, &s) == nil:
				c.Fields = append(c.Fields, CorrectedField{f, Sanitize(s)})
			case json.Unmarshal(raw, &n) == nil:
				c.Fields = append(c.Fields, CorrectedField{f, n.String()})
			}
		}
	}
	return c, true
}

// SetCorrection stores a correction as RecordCorrected computed it.
func (m *Model) SetCorrection(c Correction) { m.Corrections[c.ID] = c }

// flowCorrections are the corrections of each allocation, oldest first.
func (m *Model) flowCorrections() map[string][]FlowCorrection {
	out := map[string][]FlowCorrection{}
	for _, c := range m.Corrections {
		by := ""
		if o, ok := m.Orgs[c.By]; ok {
			switch o.Role {
			case RoleHospital, RoleManufacturer:
				by = o.Name
			case RoleRegulator:
				by = "regulator:" + o.ID
			}
		}
		out[c.Subject] = append(out[c.Subject], FlowCorrection{Time: c.At, Corrects: strings.TrimSuffix(strings.TrimPrefix(c.CorrectsType, "aidflow.matcher."), ".v1"),
			CorrectedBy: by, Reason: c.Reason, Fields: append([]CorrectedField{}, c.Fields...)})
	}
	for _, cs := range out {
		slices.SortStableFunc(cs, func(a, b FlowCorrection) int { return a.Time.Compare(b.Time) })
	}
	return out
}
