package app

import (
	"context"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/demand/domain"
	"github.com/aidflow/aidflow/shared/apperr"
)

// ApplyAllocation takes in the matcher's latest snapshot of an allocation
// to one of our needs. It is idempotent: a version not newer than the one
// held writes nothing. The need's quantities and status follow; no event is
// published, since the allocation events already say what changed.
func (a *App) ApplyAllocation(ctx context.Context, al events.Allocation) (domain.Need, error) {
	if al.NeedID == "" || al.AllocationID == "" || al.Version < 1 {
		return domain.Need{}, apperr.New(apperr.Unprocessable, "allocation event without need_id, allocation_id or a version")
	}
	now := a.now()
	snap := domain.Allocation{
		ID:         al.AllocationID,
		Quantity:   al.Quantity,
		Status:     al.Status,
		SourceKind: al.SourceKind,
		Shipped:    al.ShippedQuantity,
		Received:   al.ReceivedQuantity,
		Damaged:    al.DamagedQuantity,
		Version:    al.Version,
	}
	return a.update(ctx, al.NeedID, func(n *domain.Need) ([]events.Envelope, error) {
		applied, err := n.ApplyAllocation(snap, al.HospitalID, al.Item, now)
		if err != nil {
			return nil, err
		}
		if !applied {
			return nil, domain.ErrUnchanged
		}
		return nil, nil
	})
}
