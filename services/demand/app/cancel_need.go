package app

import (
	"context"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/demand/domain"
)

// CancelNeed cancels a hospital's own need (need_cancelled). The matcher
// releases what is not yet allocated when it reads the event.
func (a *App) CancelNeed(ctx context.Context, hospitalID, id string) (domain.Need, error) {
	now := a.now()
	return a.update(ctx, id, func(n *domain.Need) ([]events.Envelope, error) {
		if n.HospitalID != hospitalID {
			return nil, domain.ErrNeedNotFound
		}
		if err := n.Cancel(now); err != nil {
			return nil, err
		}
		return []events.Envelope{events.MustNew(Source, events.NeedCancelled(changed(*n)), meta(*n, now))}, nil
	})
}
