package domain

import (
	"time"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/shared/apperr"
)

// SourceKind is the allocation source_kind of capacity reports.
const SourceKind = "capacity"

// Allocation statuses (API.md).
const (
	StatusProposed   = "proposed"
	StatusAccepted   = "accepted"
	StatusDispatched = "dispatched"
	StatusDelivered  = "delivered"
	StatusDeclined   = "declined"
	StatusExpired    = "expired"
	StatusCancelled  = "cancelled"
)

// Allocation is what supply keeps of one of the matcher's allocations from
// a capacity report.
type Allocation struct {
	Quantity int64
	Status   string
	// Shipped is the shipped quantity already taken off available_now.
	// Keeping it per allocation makes a dispatch lower the stock once, even
	// when the event is delivered again or a later version repeats it.
	Shipped int64
	// Version is the matcher's version of the allocation last applied.
	Version int64
}

// Reserves reports whether the allocation holds units of the source:
// proposed and accepted ones do (API.md's reserved).
func (a Allocation) Reserves() bool {
	return a.Status == StatusProposed || a.Status == StatusAccepted
}

// shipped reports whether units of the allocation have left the source.
func shipped(status string) bool { return status == StatusDispatched || status == StatusDelivered }

// ErrAllocationMismatch refuses an allocation that names this report's id
// but another manufacturer or item: a matcher bug that must not move stock.
var ErrAllocationMismatch = apperr.New(apperr.Unprocessable, "the allocation names this capacity report but another manufacturer or item")

// ApplyAllocation takes the matcher's snapshot of an allocation from this
// source into account, if it is newer than the one held. It reports
// whether anything changed.
//
// The rule (API.md): reserved counts proposed and accepted allocations;
// dispatch lowers available_now and reserved together. When an allocation
// is dispatched it stops reserving (reserved falls by its quantity) and its
// shipped quantity leaves available_now (available_now falls by that). Units
// allocated but not shipped (a partial dispatch) go back to remaining.
// available_now never goes below zero: a source that ships more than it
// reported had unreported stock, and counts zero now.
func (c *Capacity) ApplyAllocation(a events.Allocation, now time.Time) (bool, error) {
	if a.SourceOrgID != c.ManufacturerID || a.Item != c.Item {
		return false, ErrAllocationMismatch
	}
	held, ok := c.Allocations[a.AllocationID]
	if ok && a.Version <= held.Version {
		return false, nil
	}
	next := Allocation{Quantity: a.Quantity, Status: a.Status, Shipped: held.Shipped, Version: a.Version}
	if shipped(a.Status) && a.ShippedQuantity > held.Shipped {
		delta := a.ShippedQuantity - held.Shipped
		c.AvailableNow = max(c.AvailableNow-delta, 0)
		next.Shipped = a.ShippedQuantity
	}
	if c.Allocations == nil {
		c.Allocations = map[string]Allocation{}
	}
	c.Allocations[a.AllocationID] = next
	c.UpdatedAt = now.UTC().Truncate(time.Millisecond)
	return true, nil
}
