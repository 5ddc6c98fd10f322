package app

import (
	"context"
)

// WarnExpiring tells each manufacturer whose proposal expires within the
// warning time (Settings.ExpiringWithin) that it is about to
// (allocation.expiring), once, and forgets proposals already past expiry
// (allocation.expired announces those). It runs on a schedule and returns
// how many it warned for the first time.
func (a *App) WarnExpiring(ctx context.Context) (int, error) {
	now := a.Now()
	due, err := a.Repo.WatchesDue(ctx, now.Add(a.Settings.ExpiringWithin))
	if err != nil {
		return 0, err
	}
	n := 0
	for _, w := range due {
		if w.Due(now, a.Settings.ExpiringWithin) {
			fresh, err := a.Publish(ctx, w.Notification(now))
			if err != nil {
				return n, err
			}
			if fresh {
				n++
			}
		}
		// Published (its id is fixed, so a crash before this delete
		// publishes nothing twice) or already expired.
		if err := a.Repo.DeleteWatch(ctx, w.AllocationID); err != nil {
			return n, err
		}
	}
	return n, nil
}
