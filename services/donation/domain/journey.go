package domain

import (
	"encoding/json"
	"slices"
	"strings"
	"time"
)

// Journey is what anyone holding the tracking code may see of a donation.
// It is built field by field from public facts only: no donor id, no
// anonymous donor's name, no hospital id, no notes.
type Journey struct {
	TrackingCode string
	// DonorName is the public name; empty when anonymous or not given.
	DonorName string
	PledgedAt time.Time
	Status    string
	// Flags are the donation's flags (Donation.Flags); OverdueAt is when
	// it was flagged overdue, nil when not.
	Flags       []string
	OverdueAt   *time.Time
	Items       []JourneyItem
	Allocations []JourneyAllocation
	// Corrections are the audit's corrections of the donation's own
	// events; an allocation's are beside it.
	Corrections []JourneyCorrection
}

// JourneyCorrection is a correction as the public sees it, beside the
// original it corrects (domain.Correction holds public facts only).
type JourneyCorrection struct {
	CorrectsType string
	Reason       string
	Corrected    map[string]json.RawMessage
	CorrectedAt  time.Time
}

func (d Donation) corrections(allocationID string) []JourneyCorrection {
	var out []JourneyCorrection
	for _, c := range d.Corrections {
		if c.AllocationID == allocationID {
			out = append(out, JourneyCorrection{CorrectsType: c.CorrectsType, Reason: c.Reason, Corrected: c.Corrected, CorrectedAt: c.CorrectedAt})
		}
	}
	return out
}

// JourneyItem is one pledged line and what became of its units.
type JourneyItem struct {
	Item     string
	Standard string
	Pledged  int64
	Progress
}

// JourneyAllocation is one allocation as the public sees it.
type JourneyAllocation struct {
	Item             string
	Standard         string
	Quantity         int64
	Status           string
	HospitalName     string
	HospitalRegion   string
	AllocatedAt      time.Time
	DispatchedAt     *time.Time
	DeliveredAt      *time.Time
	ShippedQuantity  int64
	ReceivedQuantity int64
	Corrections      []JourneyCorrection
}

// Journey builds the public journey. hospitalName gives a receiving
// hospital's public name (an institution's name, from the registry).
func (d Donation) Journey(hospitalName func(id string) string) Journey {
	j := Journey{TrackingCode: FormatTrackingCode(d.TrackingCode), PledgedAt: d.CreatedAt, Status: d.Status(), Flags: d.Flags(), Corrections: d.corrections("")}
	if d.OverdueAt != nil {
		t := *d.OverdueAt
		j.OverdueAt = &t
	}
	if !d.Anonymous {
		j.DonorName = d.PublicName
	}
	for i, p := range d.Progress() {
		l := d.Lines[i]
		j.Items = append(j.Items, JourneyItem{Item: l.Item, Standard: l.Standard, Pledged: l.Quantity, Progress: p})
	}
	for _, a := range d.SortedAllocations() {
		ja := JourneyAllocation{Item: a.Item, Quantity: a.Quantity, Status: a.Status, HospitalName: hospitalName(a.HospitalID),
			HospitalRegion: a.HospitalRegion, AllocatedAt: a.AllocatedAt, DispatchedAt: a.DispatchedAt, DeliveredAt: a.DeliveredAt,
			ShippedQuantity: a.Shipped, ReceivedQuantity: a.Received, Corrections: d.corrections(a.ID)}
		if a.Line >= 0 && a.Line < len(d.Lines) {
			ja.Standard = d.Lines[a.Line].Standard
		}
		j.Allocations = append(j.Allocations, ja)
	}
	return j
}

// SortedAllocations returns the allocations oldest first (then by id).
func (d Donation) SortedAllocations() []Allocation {
	out := make([]Allocation, 0, len(d.Allocations))
	for _, a := range d.Allocations {
		out = append(out, a.clone())
	}
	slices.SortFunc(out, func(a, b Allocation) int {
		if c := a.AllocatedAt.Compare(b.AllocatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out
}
