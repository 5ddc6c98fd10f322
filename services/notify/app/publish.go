package app

import (
	"context"
	"errors"

	"github.com/aidflow/aidflow/services/notify/domain"
)

// errUnchanged tells UpdateSubscription there is nothing to write.
var errUnchanged = errors.New("unchanged")

// Publish puts a notification on its live feed and queues a delivery to
// every subscription that concerns its organization and asked for its
// type. Each step is idempotent, so a retry after a failure completes it.
// fresh is false when the notification was published before.
func (a *App) Publish(ctx context.Context, n domain.Notification) (fresh bool, err error) {
	entry, appended, err := a.Repo.AppendFeed(ctx, n.FeedKey(), n, a.Settings.FeedBacklog)
	if err != nil {
		return false, err
	}
	if appended {
		a.hub.publish(n.FeedKey(), entry)
	}
	subs, err := a.Repo.Subscriptions(ctx)
	if err != nil {
		return false, err
	}
	now := a.Now()
	for _, s := range subs {
		if !n.Concerns(s.OrgID, s.Role) || !s.Wants(n.Type) {
			continue
		}
		d := domain.NewDelivery(s, n, now)
		// The delivery first, then its place in the queue: a crash between
		// the two replays the event, which finds the delivery and queues it.
		if _, err := a.Repo.AddDelivery(ctx, d); err != nil {
			return false, err
		}
		_, err := a.Repo.UpdateSubscription(ctx, s.ID, func(s *domain.Subscription) error {
			if !s.Enqueue(d.ID) {
				return errUnchanged
			}
			return nil
		})
		switch {
		case errors.Is(err, errUnchanged), errors.Is(err, domain.ErrSubscriptionNotFound):
		case err != nil:
			return false, err
		default:
			a.dispatcher.Wake(s.ID)
		}
	}
	return appended, nil
}
