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
	// Over is how many of its units were not free when the allocation
	// reserved them: an invariant breach of the matcher, which may only
	// reserve what remains (see ApplyAllocation). 0 for a correct matcher.
	Over int64
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

// Applied says what applying an allocation snapshot did.
type Applied struct {
	// Changed is false when the snapshot was not newer than the one held.
	Changed bool
	// Breach is the number of units the snapshot reserved beyond what
	// remained: more than 0 only when the matcher misbehaved.
	Breach int64
}

// ApplyAllocation takes the matcher's snapshot of an allocation from this
// source into account, if it is newer than the one held.
//
// The rule (API.md): reserved counts proposed and accepted allocations;
// dispatch lowers available_now and reserved together. When an allocation
// is dispatched it stops reserving (reserved falls by its quantity) and its
// shipped quantity leaves available_now (available_now falls by that). Units
// allocated but not shipped (a partial dispatch) go back to remaining.
// available_now never goes below zero: a source that ships more than it
// reported had unreported stock, and counts zero now.
//
// The guard: the matcher may reserve only what remains. The caller holds
// the report's lock from its read to its write (Repository.Upsert), so the
// check below and the reservation are one atomic step, however many
// allocations race for the last units. A snapshot that reserves more than
// remains is still recorded in full (the matcher has promised those units
// to a hospital, and reserved must agree with its allocations), but the
// excess is kept as the allocation's Over and returned as a Breach for the
// caller to report; Remaining shows 0, never less, and Apply refuses any
// report below reserved until allocations are declined or cancelled.
func (c *Capacity) ApplyAllocation(a events.Allocation, now time.Time) (Applied, error) {
	if a.SourceOrgID != c.ManufacturerID || a.Item != c.Item {
		return Applied{}, ErrAllocationMismatch
	}
	held, ok := c.Allocations[a.AllocationID]
	if ok && a.Version <= held.Version {
		return Applied{}, nil
	}
	next := Allocation{Quantity: a.Quantity, Status: a.Status, Shipped: held.Shipped, Version: a.Version}
	if shipped(a.Status) && a.ShippedQuantity > held.Shipped {
		delta := a.ShippedQuantity - held.Shipped
		c.AvailableNow = max(c.AvailableNow-delta, 0)
		next.Shipped = a.ShippedQuantity
	}
	var breach int64
	if next.Reserves() {
		// What was free for this allocation: everything not reserved by
		// the others (its own earlier snapshot does not count against it).
		others := c.Reserved()
		if held.Reserves() {
			others -= held.Quantity
		}
		free := max(c.AvailableNow-others, 0)
		next.Over = max(next.Quantity-free, 0)
		// Only units over beyond what was already recorded are a new
		// breach, so a redelivered or re-accepted allocation is not
		// reported twice.
		if prior := held.Over; held.Reserves() {
			breach = max(next.Over-prior, 0)
		} else {
			breach = next.Over
		}
	}
	if c.Allocations == nil {
		c.Allocations = map[string]Allocation{}
	}
	c.Allocations[a.AllocationID] = next
	c.UpdatedAt = now.UTC().Truncate(time.Millisecond)
	c.RecordDay(now, false)
	return Applied{Changed: true, Breach: breach}, nil
}
