package app

import (
	"context"
	"slices"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/matcher/domain"
)

// CapacityReported replaces a manufacturer's report for an item (the
// shipments counted against the old report stop counting: the new
// available_now already reflects them) and matches the item.
func (a *App) CapacityReported(ctx context.Context, trig Trigger, d events.CapacityReported) error {
	o := domain.CapacityFrom(trig.EventID, d)
	if !a.serves(ctx, o.Item, trig) {
		return nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	err := a.apply(trig, func(from domain.Input) error {
		if held, ok := a.Book.Offer(o.ID); ok && !o.Supersedes(held) {
			return nil
		}
		if err := a.Repo.SaveOffer(ctx, o, from); err != nil {
			return err
		}
		a.Book.PutOffer(o)
		return nil
	})
	if err != nil {
		return err
	}
	return a.matchApplied(ctx, trig, o.Item)
}

// DonationPledged records each line of a donation as an offer and matches
// each item it gives; a partitioned instance takes only its items' lines
// (every partition receives every donation).
func (a *App) DonationPledged(ctx context.Context, trig Trigger, d events.DonationPledged) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	var items []string
	for _, o := range domain.DonationOffers(d) {
		if a.Partition.Serves(o.Item) && !slices.Contains(items, o.Item) {
			items = append(items, o.Item)
		}
	}
	err := a.apply(trig, func(from domain.Input) error {
		for _, o := range domain.DonationOffers(d) {
			if !a.Partition.Serves(o.Item) {
				continue
			}
			if _, ok := a.Book.Offer(o.ID); ok {
				continue
			}
			if err := a.Repo.SaveOffer(ctx, o, from); err != nil {
				return err
			}
			a.Book.PutOffer(o)
		}
		return nil
	})
	if err != nil {
		return err
	}
	slices.Sort(items)
	return a.matchApplied(ctx, trig, items...)
}

// AllocationReleased matches an item again after one of the matcher's own
// allocations gave units back (declined, expired, cancelled). It runs on
// the announcing event, not inside the command, so a crash between the
// two cannot lose the second matching.
func (a *App) AllocationReleased(ctx context.Context, trig Trigger, d events.Allocation) error {
	if !a.serves(ctx, d.Item, trig) {
		return nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.matchApplied(ctx, trig, d.Item)
}
