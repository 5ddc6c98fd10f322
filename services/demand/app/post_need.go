package app

import (
	"context"
	"time"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/demand/domain"
)

// PostNeed validates and stores a hospital's new need and announces it
// (need_posted, without the private note). The anti-hoarding rule is
// judged and the need stored under the hospital's lock for the item, so
// two needs posted at once cannot both slip under the limit.
func (a *App) PostNeed(ctx context.Context, by domain.Poster, in domain.NewNeedInput) (domain.Need, error) {
	now := a.now()
	n, err := domain.NewNeed(in, by, now)
	if err != nil {
		return domain.Need{}, err
	}
	unlock := a.locks.Lock(holdKey(n.HospitalID, n.Item))
	defer unlock()
	if err := a.checkHoarding("quantity", n.HospitalID, n.Item, n.Quantity); err != nil {
		return domain.Need{}, err
	}
	if err := a.create(ctx, &n, now); err != nil {
		return domain.Need{}, err
	}
	return n, nil
}

// holdKey is the lock of a hospital's needs for an item.
func holdKey(hospitalID, item string) string { return "hold/" + hospitalID + "/" + item }

// checkHoarding applies the anti-hoarding rule to adding units; the caller
// holds holdKey.
func (a *App) checkHoarding(field, hospitalID, item string, adding int64) error {
	report, ok := a.Stocks.Get(hospitalID, item)
	return domain.CheckHoarding(field, a.Index.Held(hospitalID, item), adding, report, ok, a.HoardingMultiple)
}

// create stores a validated need with its need_posted event and indexes it.
func (a *App) create(ctx context.Context, n *domain.Need, now time.Time) error {
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
	}, meta(*n, now))
	if err := a.Needs.Create(ctx, *n, ev); err != nil {
		return err
	}
	a.Index.Put(*n)
	return nil
}
