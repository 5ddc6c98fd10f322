package app

import (
	"context"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/supply/domain"
)

// BreachMessage is logged (at error level) when an allocation reserves
// more than its source has left: the matcher broke the invariant.
const BreachMessage = "invariant breach: allocation reserves more than the capacity has left"

// ApplyAllocation takes one of the matcher's allocation snapshots into
// account: allocations from capacity reports change what is reserved and,
// once dispatched, what is available (domain.Capacity.ApplyAllocation).
// Snapshots of donations are not supply's. Applying the same snapshot
// twice changes nothing, so a redelivered event is harmless.
func (a *App) ApplyAllocation(ctx context.Context, al events.Allocation) error {
	if al.SourceKind != domain.SourceKind {
		return nil
	}
	now := a.Now()
	var applied domain.Applied
	c, err := a.Capacity.Upsert(ctx, al.SourceID, func(c *domain.Capacity, isNew bool) ([]events.Envelope, error) {
		if isNew {
			return nil, domain.ErrCapacityNotFound
		}
		var err error
		// The guard runs inside Upsert, under the report's lock: the check
		// of what remains and the reservation are one step.
		if applied, err = c.ApplyAllocation(al, now); err != nil {
			return nil, err
		}
		if !applied.Changed {
			return nil, domain.ErrNoChange
		}
		return nil, nil
	})
	if err != nil {
		return err
	}
	if applied.Breach > 0 {
		// A correct matcher never reserves more than remains. The units are
		// recorded (the hospital was promised them) and remaining shows 0;
		// an operator must decline or cancel allocations to restore it.
		a.Log.ErrorContext(ctx, BreachMessage, "capacity_id", c.ID, "allocation_id", al.AllocationID,
			"allocation_version", al.Version, "over_by", applied.Breach, "available_now", c.AvailableNow,
			"reserved", c.Reserved(), "over_reserved", c.OverReserved())
	}
	return nil
}
