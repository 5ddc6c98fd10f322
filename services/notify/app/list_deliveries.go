package app

import (
	"context"
	"errors"
	"slices"

	"github.com/aidflow/aidflow/services/notify/domain"
	"github.com/aidflow/aidflow/shared/auth"
)

// ListDeliveries is a subscription's delivery log, newest first: the
// pending deliveries (the next to go last) and then the finished ones it
// keeps (domain.MaxRecent). after is the id of the last delivery already
// seen.
func (a *App) ListDeliveries(ctx context.Context, actor auth.Claims, id, after string, limit int) ([]domain.Delivery, error) {
	s, err := a.GetSubscription(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	ids := append(slices.Clone(s.Recent), s.Pending...)
	slices.Reverse(ids)
	if after != "" {
		i := slices.Index(ids, after)
		if i < 0 {
			return nil, nil // the page's last delivery has left the log since
		}
		ids = ids[i+1:]
	}
	var out []domain.Delivery
	for _, did := range ids {
		d, err := a.Repo.Delivery(ctx, did)
		if errors.Is(err, domain.ErrDeliveryNotFound) {
			continue // queued by a write that has not finished yet
		}
		if err != nil {
			return nil, err
		}
		out = append(out, d)
		if len(out) == limit {
			break
		}
	}
	return out, nil
}
