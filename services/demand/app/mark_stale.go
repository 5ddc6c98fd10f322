package app

import (
	"context"
	"errors"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/demand/domain"
)

// MarkStale applies the stale rule to every need it is due for now
// (need_stale each) and returns how many it marked. The rule is checked
// again under each need's lock, so a confirmation or an allocation that
// lands meanwhile wins. A failure on one need does not stop the others;
// the next run retries it.
func (a *App) MarkStale(ctx context.Context) (int, error) {
	now := a.now()
	marked := 0
	var errs []error
	for _, id := range a.Index.DueStale(now, a.StaleAfter) {
		if ctx.Err() != nil {
			return marked, ctx.Err()
		}
		applied := false
		_, err := a.update(ctx, id, func(n *domain.Need) ([]events.Envelope, error) {
			if !n.MarkStale(now, a.StaleAfter) {
				return nil, domain.ErrUnchanged
			}
			applied = true
			return []events.Envelope{events.MustNew(Source, events.NeedStale(changed(*n)), meta(*n, now))}, nil
		})
		switch {
		case err != nil:
			errs = append(errs, err)
		case applied:
			marked++
		}
	}
	return marked, errors.Join(errs...)
}
