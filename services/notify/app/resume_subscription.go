package app

import (
	"context"
	"time"

	"github.com/aidflow/aidflow/services/notify/domain"
	"github.com/aidflow/aidflow/shared/auth"
)

// ResumeSubscription starts a paused subscription's deliveries again,
// from the oldest still pending, at once and with a fresh retry period.
func (a *App) ResumeSubscription(ctx context.Context, actor auth.Claims, id string) (domain.Subscription, error) {
	if _, err := a.GetSubscription(ctx, actor, id); err != nil {
		return domain.Subscription{}, err
	}
	s, err := a.Repo.UpdateSubscription(ctx, id, func(s *domain.Subscription) error {
		s.Resume()
		s.UpdatedAt = a.Now().UTC().Truncate(time.Millisecond)
		return nil
	})
	if err != nil {
		return domain.Subscription{}, err
	}
	if s.Pending() > 0 {
		did, err := a.Repo.QueuedAt(ctx, id, s.Head())
		var d domain.Delivery
		if err == nil {
			d, err = a.Repo.Delivery(ctx, did)
		}
		if err == nil && d.Status == domain.DeliveryPending {
			d.Retrying(a.Now().UTC())
			if err := a.Repo.SaveDelivery(ctx, d); err != nil {
				return domain.Subscription{}, err
			}
		}
	}
	a.dispatcher.Wake(id)
	return s, nil
}
