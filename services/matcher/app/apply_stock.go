package app

import (
	"context"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/matcher/domain"
)

// StockReported records a hospital's latest stock of an item and matches
// the item again: under policy.CriticalDaysOfSupply days of supply, the
// hospital's needs for it are served as critical. Demand's stream delivers
// a hospital's reports in order, so the last one applied is the latest.
func (a *App) StockReported(ctx context.Context, trig Trigger, d events.StockReported) error {
	s := domain.StockFrom(d)
	if !a.serves(ctx, s.Item, trig) {
		return nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	err := a.apply(trig, func(from domain.Input) error {
		if held, ok := a.Book.Stock(s.HospitalID, s.Item); ok && held == s {
			return nil
		}
		if err := a.Repo.SaveStock(ctx, s, from); err != nil {
			return err
		}
		a.Book.PutStock(s)
		return nil
	})
	if err != nil {
		return err
	}
	return a.matchApplied(ctx, trig, s.Item)
}
