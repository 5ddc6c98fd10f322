package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/aidflow/aidflow/services/notify/domain"
)

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
		queued, err := a.enqueue(ctx, s.ID, domain.NewDelivery(s, n, now))
		switch {
		case errors.Is(err, domain.ErrSubscriptionNotFound):
		case err != nil:
			return false, err
		case queued:
			a.dispatcher.Wake(s.ID)
		}
	}
	return appended, nil
}

// enqueue stores d and puts it at the tail of its subscription's queue,
// unless it is there already or has been through it (a replay), or the
// queue is full (counted in Dropped). Three small writes however long the
// queue: the delivery numbered with its position, the position naming
// the delivery, then the subscription counting it (the commit). A stop
// after either of the first two leaves a position past the tail, which
// nothing reads and the replay overwrites or numbers anew; a stop after
// the third leaves the delivery queued, which the replay finds
// (Subscription.Holds) and does not queue twice.
func (a *App) enqueue(ctx context.Context, subscriptionID string, d domain.Delivery) (queued bool, err error) {
	unlock := a.queues.Lock(subscriptionID)
	defer unlock()
	s, err := a.Repo.Subscription(ctx, subscriptionID)
	if err != nil {
		return false, err
	}
	at := func(pos int64) (string, error) { return a.Repo.QueuedAt(ctx, subscriptionID, pos) }
	stored, err := a.Repo.Delivery(ctx, d.ID)
	switch {
	case errors.Is(err, domain.ErrDeliveryNotFound):
		stored = domain.Delivery{}
	case err != nil:
		return false, err
	default:
		if held, err := s.Holds(stored, at); err != nil || held {
			return false, err
		}
		d = stored // numbered by a write that stopped: numbered again
	}
	pos, ok := s.Reserve()
	if !ok {
		_, err := a.Repo.UpdateSubscription(ctx, subscriptionID, func(s *domain.Subscription) error { s.Dropped++; return nil })
		return false, err
	}
	d.Position = pos
	if stored.ID == "" {
		if _, err := a.Repo.AddDelivery(ctx, d); err != nil {
			return false, err
		}
	} else if err := a.Repo.SaveDelivery(ctx, d); err != nil {
		return false, err
	}
	if err := a.Repo.PutQueued(ctx, subscriptionID, pos, d.ID); err != nil {
		return false, err
	}
	_, err = a.Repo.UpdateSubscription(ctx, subscriptionID, func(s *domain.Subscription) error {
		if s.Queued != pos-1 {
			return fmt.Errorf("queue of %s moved from %d to %d while queueing", subscriptionID, pos-1, s.Queued)
		}
		s.Queued = pos
		return nil
	})
	return err == nil, err
}
