package app

import (
	"context"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/supply/domain"
)

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
	c, err := a.Capacity.Upsert(ctx, al.SourceID, func(c *domain.Capacity, isNew bool) ([]events.Envelope, error) {
		if isNew {
			return nil, domain.ErrCapacityNotFound
		}
		changed, err := c.ApplyAllocation(al, now)
		if err != nil {
			return nil, err
		}
		if !changed {
			return nil, domain.ErrNoChange
		}
		return nil, nil
	})
	if err != nil {
		return err
	}
	if c.Oversubscribed() {
		// A correct matcher never reserves more than remains; say so loudly
		// rather than showing a negative remaining.
		a.Log.WarnContext(ctx, "capacity oversubscribed by allocations", "capacity_id", c.ID,
			"available_now", c.AvailableNow, "reserved", c.Reserved(), "allocation_id", al.AllocationID)
	}
	return nil
}
