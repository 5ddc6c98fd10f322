package app

import (
	"context"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/matcher/domain"
)

// NeedPosted records a new need and matches its item.
func (a *App) NeedPosted(ctx context.Context, trig Trigger, d events.NeedPosted) error {
	n := domain.NeedFrom(d)
	if !a.serves(ctx, n.Item, trig) {
		return nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	err := a.apply(trig, func(from domain.Input) error {
		if _, ok := a.Book.Need(n.ID); ok {
			return nil
		}
		if err := a.Repo.SaveNeed(ctx, n, from); err != nil {
			return err
		}
		a.Book.PutNeed(n)
		return nil
	})
	if err != nil {
		return err
	}
	return a.matchApplied(ctx, trig, n.Item)
}

// NeedStatusChanged applies need_confirmed, need_cancelled or need_stale
// and matches the item again: a confirmed need is open once more. The
// allocations a cancelled need already has stay; demand releases only what
// was not allocated.
func (a *App) NeedStatusChanged(ctx context.Context, trig Trigger, eventType string, d events.NeedChanged) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	n, ok := a.Book.Need(d.NeedID)
	if !ok {
		a.Log.WarnContext(ctx, "status change of a need never posted; ignored", "need_id", d.NeedID, "type", eventType)
		return a.apply(trig, func(domain.Input) error { return nil })
	}
	err := a.apply(trig, func(from domain.Input) error {
		if !n.ApplyStatus(eventType) {
			return nil
		}
		if err := a.Repo.SaveNeed(ctx, n, from); err != nil {
			return err
		}
		a.Book.PutNeed(n)
		return nil
	})
	if err != nil {
		return err
	}
	return a.matchApplied(ctx, trig, n.Item)
}
