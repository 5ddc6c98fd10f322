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
	if !ok {
		return nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if held, ok := a.Book.Hospital(h.ID); !ok || held != h {
		if err := a.Repo.SaveHospital(ctx, h); err != nil {
			return err
		}
		a.Book.PutHospital(h)
	}
	for _, item := range a.Book.ItemsNeededBy(h.ID) {
		if err := a.matchItem(ctx, trig, item); err != nil {
			return err
		}
	}
	return nil
}
