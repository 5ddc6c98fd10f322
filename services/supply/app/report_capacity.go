package app

import (
	"context"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/supply/domain"
	"github.com/aidflow/aidflow/shared/auth"
)

// ReportCapacity replaces a manufacturer's current report for an item and
// announces it (capacity_reported) in the same write. The region is the
// manufacturer's, from its token.
func (a *App) ReportCapacity(ctx context.Context, by auth.Claims, in domain.ReportInput) (domain.Capacity, error) {
	r, err := domain.ParseReport(in)
	if err != nil {
		return domain.Capacity{}, err
	}
	now := a.Now()
	id := domain.CapacityID(by.OrgID, r.Item)
	return a.Capacity.Upsert(ctx, id, func(c *domain.Capacity, _ bool) ([]events.Envelope, error) {
		c.ManufacturerID = by.OrgID
		c.Region = by.Region
		if err := c.Apply(r, now); err != nil {
			return nil, err
		}
		return []events.Envelope{c.Event(Source)}, nil
	})
}
