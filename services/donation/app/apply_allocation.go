package app

import (
	"context"
	"time"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/donation/domain"
)

// ApplyAllocation records one of the matcher's allocation snapshots of a
// donation's units, for the donor and the public journey. Snapshots of
// capacity reports are not the donation service's. A snapshot not newer
// than the one held changes nothing, so redelivery is harmless.
func (a *App) ApplyAllocation(ctx context.Context, al events.Allocation, at time.Time) error {
	if al.SourceKind != domain.SourceKind {
		return nil
	}
	id, line, ok := domain.ParseOfferID(al.SourceID)
	if !ok {
		return domain.ErrAllocationMismatch
	}
	_, err := a.Donations.Update(ctx, id, func(d *domain.Donation) ([]events.Envelope, error) {
		changed, err := d.ApplyAllocation(al, line, at)
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
	return a.recordAllocation(ctx, al.AllocationID, id)
}
