package app

import (
	"context"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/demand/domain"
)

// PostNeed validates and stores a hospital's new need and announces it
// (need_posted, without the private note).
func (a *App) PostNeed(ctx context.Context, by domain.Poster, in domain.NewNeedInput) (domain.Need, error) {
	now := a.now()
	n, err := domain.NewNeed(in, by, now)
	if err != nil {
		return domain.Need{}, err
	}
	n.Revision = 1
	ev := events.MustNew(Source, events.NeedPosted{
		NeedID:            n.ID,
		HospitalID:        n.HospitalID,
		Item:              n.Item,
		Quantity:          n.Quantity,
		Urgency:           n.Urgency,
		NeededBy:          n.NeededBy,
		AcceptedStandards: n.AcceptedStandards,
		Region:            n.Region,
	}, meta(n, now))
	if err := a.Needs.Create(ctx, n, ev); err != nil {
		return domain.Need{}, err
	}
	a.Index.Put(n)
	return n, nil
}
