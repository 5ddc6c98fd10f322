package app

import (
	"context"
	"errors"
	"time"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/demand/domain"
)

// PostNeed validates and stores a hospital's new need and announces it
// (need_posted, without the private note). The anti-hoarding rule is
// judged and the need stored under the hospital's lock for the item, so
// two needs posted at once cannot both slip under the limit.
//
// key, when not empty (the request's Idempotency-Key with its body), makes
// the need's id a function of the hospital and the key. The idempotency
// record is written after the need, so a crash (or a lost database) in
// between leaves a stored need and no record; the client's retry then
// finds the need by its id and answers it instead of posting a second one
// (found by the fault suite, e2e/faults).
func (a *App) PostNeed(ctx context.Context, by domain.Poster, key string, in domain.NewNeedInput) (domain.Need, error) {
	now := a.now()
	n, err := domain.NewNeed(in, by, now)
	if err != nil {
		return domain.Need{}, err
	}
	if key != "" {
		n.ID = keyedID(by.HospitalID, key, 0)
	}
	unlock := a.locks.Lock(holdKey(n.HospitalID, n.Item))
	defer unlock()
	if held, ok := a.Index.Get(n.ID); ok {
		return a.Needs.Get(ctx, held.ID)
	}
	if err := a.checkHoarding("quantity", n.HospitalID, n.Item, n.Quantity); err != nil {
		return domain.Need{}, err
	}
	if err := a.create(ctx, &n, now); errors.Is(err, domain.ErrNeedExists) {
		held, gerr := a.Needs.Get(ctx, n.ID)
		if gerr != nil {
			return domain.Need{}, gerr
		}
		a.Index.Put(held)
		return held, nil
	} else if err != nil {
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
