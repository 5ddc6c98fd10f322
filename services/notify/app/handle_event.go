package app

import (
	"context"
	"fmt"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/notify/domain"
	"github.com/aidflow/aidflow/shared/bus"
)

// HandleEvent applies one event from another service: it starts or ends
// the expiry watch of an allocation and publishes the notifications the
// event causes. A replay does nothing new: notification and delivery ids
// derive from the event's.
func (a *App) HandleEvent(ctx context.Context, e events.Envelope) error {
	if id, ok := domain.Ends(e); ok {
		if err := a.Repo.DeleteWatch(ctx, id); err != nil {
			return err
		}
	}
	w, ok, err := domain.WatchOf(e)
	if err != nil {
		return fmt.Errorf("%w: %w", bus.ErrPermanent, err)
	}
	if ok && a.Now().Before(w.ExpiresAt) {
		if err := a.Repo.PutWatch(ctx, w); err != nil {
			return err
		}
	}
	ns, err := domain.Route(e)
	if err != nil {
		return fmt.Errorf("%w: %w", bus.ErrPermanent, err)
	}
	for _, n := range ns {
		if _, err := a.Publish(ctx, n); err != nil {
			return err
		}
	}
	return nil
}
