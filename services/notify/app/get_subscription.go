package app

import (
	"context"
	"errors"

	"github.com/aidflow/aidflow/services/notify/domain"
	"github.com/aidflow/aidflow/shared/auth"
)

// GetSubscription returns one of the actor's own subscriptions; another
// organization's is not found, so ids reveal nothing.
func (a *App) GetSubscription(ctx context.Context, actor auth.Claims, id string) (domain.Subscription, error) {
	s, err := a.Repo.Subscription(ctx, id)
	if err != nil {
		return domain.Subscription{}, err
	}
	if s.OrgID != actor.OrgID {
		return domain.Subscription{}, domain.ErrSubscriptionNotFound
	}
	return s, nil
}

// ListSubscriptions returns the actor's subscriptions after the id after,
// at most limit, ordered by id.
func (a *App) ListSubscriptions(ctx context.Context, actor auth.Claims, after string, limit int) ([]domain.Subscription, error) {
	all, err := a.Repo.Subscriptions(ctx)
	if err != nil {
		return nil, err
	}
	var out []domain.Subscription
	for _, s := range all {
		if s.OrgID == actor.OrgID && s.ID > after {
			out = append(out, s)
			if len(out) == limit {
				break
			}
		}
	}
	return out, nil
}

// DeleteSubscription removes one of the actor's subscriptions; its
// pending deliveries are not made.
func (a *App) DeleteSubscription(ctx context.Context, actor auth.Claims, id string) error {
	if _, err := a.GetSubscription(ctx, actor, id); err != nil {
		return err
	}
	if err := a.Repo.DeleteSubscription(ctx, id); err != nil && !errors.Is(err, domain.ErrSubscriptionNotFound) {
		return err
	}
	a.dispatcher.Wake(id) // its worker sees it gone and ends
	return nil
}
