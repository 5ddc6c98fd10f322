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
//
// key, when not empty (httpx.RequestKey: the Idempotency-Key with the
// body), is kept with the report in the same write. The idempotency record
// is written after the report, so a crash in between leaves a stored
// report and no record; the client's retry then finds its key on the
// report and answers the report as it is instead of applying it a second
// time (a second revision and capacity_reported event with the same
// numbers, found by the fault suite, e2e/faults).
func (a *App) ReportCapacity(ctx context.Context, by auth.Claims, key string, in domain.ReportInput) (domain.Capacity, error) {
	r, err := domain.ParseReport(in)
	if err != nil {
		return domain.Capacity{}, err
	}
	now := a.Now()
	id := domain.CapacityID(by.OrgID, r.Item)
	return a.Capacity.Upsert(ctx, id, func(c *domain.Capacity, _ bool) ([]events.Envelope, error) {
		if c.Reported(key) {
			return nil, domain.ErrNoChange
		}
		c.ManufacturerID = by.OrgID
		c.Region = by.Region
		if err := c.Apply(r, now); err != nil {
			return nil, err
		}
		c.RememberReport(key)
		return []events.Envelope{c.Event(Source)}, nil
	})
}
