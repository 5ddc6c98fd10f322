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
// seen. A page reads at most limit queue positions and deliveries, each
// by id, however long the queue.
func (a *App) ListDeliveries(ctx context.Context, actor auth.Claims, id, after string, limit int) ([]domain.Delivery, error) {
	s, err := a.GetSubscription(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	recent := slices.Clone(s.Recent)
	slices.Reverse(recent)
	pos := s.Queued // the next pending position to list, newest first
	if after != "" {
		if i := slices.Index(recent, after); i >= 0 {
			pos, recent = 0, recent[i+1:]
		} else {
			d, err := a.Repo.Delivery(ctx, after)
			if errors.Is(err, domain.ErrDeliveryNotFound) || err == nil && (d.Position <= s.Finished || d.Position > s.Queued) {
				return nil, nil // the page's last delivery has left the log since
			}
			if err != nil {
				return nil, err
			}
			pos = d.Position - 1
		}
	}
	var out []domain.Delivery
	add := func(did string) (full bool, err error) {
		d, err := a.Repo.Delivery(ctx, did)
		if errors.Is(err, domain.ErrDeliveryNotFound) {
			return false, nil // queued by a write that has not finished yet
		}
		if err != nil {
			return false, err
		}
		out = append(out, d)
		return len(out) == limit, nil
	}
	for ; pos > s.Finished; pos-- {
		did, err := a.Repo.QueuedAt(ctx, id, pos)
		if errors.Is(err, domain.ErrDeliveryNotFound) {
			continue // moved past since s was read
		}
		if err != nil {
			return nil, err
		}
		if full, err := add(did); full || err != nil {
			return out, err
		}
	}
	for _, did := range recent {
		if full, err := add(did); full || err != nil {
			return out, err
		}
	}
	return out, nil
}
