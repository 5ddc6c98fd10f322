package app

import (
	"context"
)

// ExpireAllocations expires every proposal older than the TTL that its
// source has not accepted, one at a time, matching its item again after
// each (rematch). It returns how many expired.
func (a *App) ExpireAllocations(ctx context.Context) (int, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.ready(ctx); err != nil {
		return 0, err
	}
	now := a.Now()
	n := 0
	for _, al := range a.Book.ProposedBefore(now.Add(-a.TTL)) {
		typ, err := al.Expire(a.TTL, now)
		if err != nil {
			return n, err
		}
		al.Writer = a.writer()
		ev := al.Event(typ)
		if err := a.Repo.UpdateAllocation(ctx, al, ev); err != nil {
			return n, err
		}
		a.Book.PutAllocation(al)
		n++
		a.rematch(ctx, ev)
	}
	return n, nil
}
