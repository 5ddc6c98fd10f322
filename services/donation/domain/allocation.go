package domain

import (
	"time"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/shared/apperr"
)

// SourceKind is the allocation source_kind of donations.
const SourceKind = "donation"

// Allocation statuses (API.md).
const (
	AllocProposed   = "proposed"
	AllocAccepted   = "accepted"
	AllocDispatched = "dispatched"
	AllocDelivered  = "delivered"
	AllocDeclined   = "declined"
	AllocExpired    = "expired"
	AllocCancelled  = "cancelled"
)

// Allocation is what the donation keeps of one of the matcher's
// allocations of its units, for the donor and the public journey.
type Allocation struct {
	ID string
	// Line is the index of the donation line (the offer) it draws from.
	Line           int
	Item           string
	Quantity       int64
	Status         string
	HospitalID     string
	HospitalRegion string
	Shipped        int64
	Received       int64
	Damaged        int64
	// Version is the matcher's version last applied.
	Version      int64
	AllocatedAt  time.Time
	DispatchedAt *time.Time
	DeliveredAt  *time.Time
	UpdatedAt    time.Time
}

func (a Allocation) clone() Allocation {
	if a.DispatchedAt != nil {
		t := *a.DispatchedAt
		a.DispatchedAt = &t
	}
	if a.DeliveredAt != nil {
		t := *a.DeliveredAt
		a.DeliveredAt = &t
	}
	return a
}

// Live reports whether the allocation holds units of the gift: proposed,
// accepted, dispatched or delivered. Declined, expired and cancelled ones
// gave their units back to the pool.
func (a Allocation) Live() bool {
	switch a.Status {
	case AllocProposed, AllocAccepted, AllocDispatched, AllocDelivered:
		return true
	}
	return false
}

// ErrAllocationMismatch refuses a snapshot that names this donation but
// another donor, item or a line it does not have: a matcher bug that must
// not show up in a donor's journey.
var ErrAllocationMismatch = apperr.New(apperr.Unprocessable, "the allocation names this donation but another donor, item or line")

// ApplyAllocation records the matcher's snapshot of an allocation of this
// donation if it is newer than the one held, and reports whether anything
// changed. at is when the change happened (the event's time), used when
// the snapshot's own timestamps cannot be read.
func (d *Donation) ApplyAllocation(a events.Allocation, line int, at time.Time) (bool, error) {
	if line < 0 || line >= len(d.Lines) || d.Lines[line].Item != a.Item || a.SourceOrgID != d.DonorID {
		return false, ErrAllocationMismatch
	}
	held, ok := d.Allocations[a.AllocationID]
	if ok && a.Version <= held.Version {
		return false, nil
	}
	updated := parseTime(a.UpdatedAt, at)
	next := Allocation{ID: a.AllocationID, Line: line, Item: a.Item, Quantity: a.Quantity, Status: a.Status,
		HospitalID: a.HospitalID, HospitalRegion: a.HospitalRegion, Shipped: a.ShippedQuantity,
		Received: a.ReceivedQuantity, Damaged: a.DamagedQuantity, Version: a.Version,
		AllocatedAt: parseTime(a.CreatedAt, at), DispatchedAt: held.DispatchedAt, DeliveredAt: held.DeliveredAt, UpdatedAt: updated}
	if ok {
		next.AllocatedAt = held.AllocatedAt
	}
	// A date is set when the status is first seen, and kept after: a
	// snapshot that skips a step (delivered without dispatched seen) leaves
	// that step's date unknown rather than invented.
	if a.Status == AllocDispatched && next.DispatchedAt == nil {
		next.DispatchedAt = &updated
	}
	if a.Status == AllocDelivered && next.DeliveredAt == nil {
		next.DeliveredAt = &updated
	}
	if d.Allocations == nil {
		d.Allocations = map[string]Allocation{}
	}
	d.Allocations[a.AllocationID] = next
	return true, nil
}

func parseTime(s string, fallback time.Time) time.Time {
	// Stored times keep milliseconds (MongoDB's precision), so an answer
	// reads the same before and after a round trip through the database.
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC().Truncate(time.Millisecond)
	}
	return fallback.UTC().Truncate(time.Millisecond)
}

// Progress is what became of one line's units.
type Progress struct {
	// Allocated counts units in live allocations.
	Allocated int64
	// Dispatched counts units shipped (dispatched and delivered allocations).
	Dispatched int64
	// Delivered counts units received by hospitals, damaged ones excluded
	// (as a need's delivered_quantity).
	Delivered int64
}

// Progress returns each line's progress, in line order.
func (d Donation) Progress() []Progress {
	out := make([]Progress, len(d.Lines))
	for _, a := range d.Allocations {
		if a.Line < 0 || a.Line >= len(out) || !a.Live() {
			continue
		}
		p := &out[a.Line]
		p.Allocated += a.Quantity
		if a.Status == AllocDispatched || a.Status == AllocDelivered {
			p.Dispatched += a.Shipped
		}
		if a.Status == AllocDelivered {
			p.Delivered += a.Received
		}
	}
	return out
}

// Status sums the allocations up: pledged (nothing allocated),
// partially_allocated, allocated (every unit), delivered (every unit in a
// delivered allocation).
func (d Donation) Status() string {
	var pledged, allocated, delivered int64
	for _, l := range d.Lines {
		pledged += l.Quantity
	}
	for _, a := range d.Allocations {
		if a.Live() {
			allocated += a.Quantity
		}
		if a.Status == AllocDelivered {
			delivered += a.Quantity
		}
	}
	switch {
	case pledged > 0 && delivered >= pledged:
		return StatusDelivered
	case pledged > 0 && allocated >= pledged:
		return StatusAllocated
	case allocated > 0:
		return StatusPartiallyAllocated
	}
	return StatusPledged
}
