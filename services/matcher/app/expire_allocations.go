package app

import (
	"context"
)

// ExpireAllocations expires every proposal older than the TTL that its
// source has not accepted; each allocation_expired event has its item
// matched again. It returns how many expired.
func (a *App) ExpireAllocations(ctx context.Context) (int, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.standby(); err != nil {
		return 0, err
	}
	now := a.Now()
	n := 0
	for _, al := range a.Book.ProposedBefore(now.Add(-a.TTL)) {
		typ, err := al.Expire(a.TTL, now)
		if err != nil {
			return n, err
		}
		if err := a.Repo.UpdateAllocation(ctx, al, al.Event(typ)); err != nil {
			return n, err
		}
		a.Book.PutAllocation(al)
		n++
	}
	return n, nil
}
