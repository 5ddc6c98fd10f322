package app

import (
	"context"

	"github.com/aidflow/aidflow/services/notify/domain"
	"github.com/aidflow/aidflow/shared/auth"
)

// CreateSubscription makes an organization's webhook. The secret is in
// the answer and shown nowhere else.
func (a *App) CreateSubscription(ctx context.Context, actor auth.Claims, in domain.NewSubscriptionInput) (domain.Subscription, error) {
	s, err := domain.NewSubscription(in, actor.OrgID, actor.Role, a.Settings.Targets, a.Now())
	if err != nil {
		return domain.Subscription{}, err
	}
	a.createMu.Lock()
	defer a.createMu.Unlock()
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
