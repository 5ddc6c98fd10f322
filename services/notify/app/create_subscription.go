package app

import (
	"context"
	"errors"

	"github.com/aidflow/aidflow/services/notify/domain"
	"github.com/aidflow/aidflow/shared/auth"
)

// CreateSubscription makes an organization's webhook. The secret is in
// the answer and shown nowhere else.
//
// key, when not empty (httpx.RequestKey: the Idempotency-Key with the
// body), makes the subscription's id a function of the organization and
// the key. The idempotency record is written after the subscription, so a
// crash in between leaves a stored subscription and no record; the
// client's retry then finds it by its id and answers it, secret and all,
// instead of subscribing a second time (every event would be delivered
// twice).
func (a *App) CreateSubscription(ctx context.Context, actor auth.Claims, key string, in domain.NewSubscriptionInput) (domain.Subscription, error) {
	s, err := domain.NewSubscription(in, actor.OrgID, actor.Role, a.Settings.Targets, a.Now())
	if err != nil {
		return domain.Subscription{}, err
	}
	a.createMu.Lock()
	defer a.createMu.Unlock()
	if key != "" {
		s.ID = domain.KeyedSubscriptionID(actor.OrgID, key)
		held, err := a.Repo.Subscription(ctx, s.ID)
		if err == nil {
			return held, nil
		}
		if !errors.Is(err, domain.ErrSubscriptionNotFound) {
			return domain.Subscription{}, err
		}
	}
	all, err := a.Repo.Subscriptions(ctx)
	if err != nil {
		return domain.Subscription{}, err
	}
	n := 0
	for _, o := range all {
		if o.OrgID == actor.OrgID {
			n++
		}
	}
	if n >= a.Settings.SubscriptionsPerOrg {
		return domain.Subscription{}, domain.ErrTooManySubscriptions
	}
	if err := a.Repo.CreateSubscription(ctx, s); err != nil {
		return domain.Subscription{}, err
	}
	a.Log.InfoContext(ctx, "webhook subscribed", "subscription_id", s.ID, "org_id", s.OrgID, "events", s.Events)
	return s, nil
}
