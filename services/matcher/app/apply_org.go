package app

import (
	"context"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/matcher/domain"
)

// HospitalRegistered records a hospital's facility type and region (the
// frontline rule) and matches again every item it has open needs for.
// Other organizations are not the matcher's concern.
func (a *App) HospitalRegistered(ctx context.Context, trig Trigger, d events.OrgRegistered) error {
	h, ok := domain.HospitalFrom(d)
	a.mu.Lock()
	defer a.mu.Unlock()
	if !ok {
		return a.apply(trig, func(domain.Input) error { return nil })
	}
	err := a.apply(trig, func(from domain.Input) error {
		if held, ok := a.Book.Hospital(h.ID); ok && held == h {
			return nil
		}
		if err := a.Repo.SaveHospital(ctx, h, from); err != nil {
			return err
		}
		a.Book.PutHospital(h)
		return nil
	})
	if err != nil {
		return err
	}
	return a.matchApplied(ctx, trig, a.Book.ItemsNeededBy(h.ID)...)
}
