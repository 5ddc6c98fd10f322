package app

import (
	"context"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/demand/domain"
)

// ConfirmNeed records that a hospital still wants its need
// (need_confirmed); a stale need is matched again.
func (a *App) ConfirmNeed(ctx context.Context, hospitalID, id string) (domain.Need, error) {
	now := a.now()
	return a.update(ctx, id, func(n *domain.Need) ([]events.Envelope, error) {
		if n.HospitalID != hospitalID {
			return nil, domain.ErrNeedNotFound
		}
		if err := n.Confirm(now); err != nil {
			return nil, err
		}
		return []events.Envelope{events.MustNew(Source, events.NeedConfirmed(changed(*n)), meta(*n, now))}, nil
	})
}
