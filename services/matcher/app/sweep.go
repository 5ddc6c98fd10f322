package app

import (
	"context"
	"strings"
	"time"
)

// SweepPrefix starts the trigger id of a sweep run.
const SweepPrefix = "sweep/"

// SweepTrigger is the trigger of a sweep at now: one per day in China
// Standard Time ("sweep/2026-03-07"). Between events the only input that
// changes is the date (needed-by windows move, needs fall overdue, arrival
// deadlines come closer), so a sweep on the same day decides what the
// first one decided; numbering continues across them (Book.RunCount), so
// their allocation ids never collide, and a replay can recompute a
// sweep's allocations from nothing but the date.
func SweepTrigger(now time.Time) Trigger {
	return Trigger{EventID: SweepPrefix + Today(now).Format(time.DateOnly), Time: now}
}

// SweepDay is the date of a sweep trigger id; ok is false for other ids.
func SweepDay(triggerID string) (time.Time, bool) {
	day, ok := strings.CutPrefix(triggerID, SweepPrefix)
	if !ok {
		return time.Time{}, false
	}
	t, err := time.ParseInLocation(time.DateOnly, day, policyZone)
	return t, err == nil
}

// Sweep runs the policy for every item the matcher knows, as of now. The
// schedule calls it so that what changes with the date alone is acted
// on; expiry has its own schedule (its events trigger their own runs).
func (a *App) Sweep(ctx context.Context) error {
	return a.MatchAll(ctx, SweepTrigger(a.Now()))
}

// MatchAll runs the policy for every item, in item order, as one trigger.
func (a *App) MatchAll(ctx context.Context, trig Trigger) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.ready(ctx); err != nil {
		return err
	}
	for _, item := range a.Book.Items() {
		if err := a.matchItem(ctx, trig, item); err != nil {
			return err
		}
	}
	return nil
}
