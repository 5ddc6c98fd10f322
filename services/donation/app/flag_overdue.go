package app

import (
	"context"
	"errors"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/donation/domain"
)

// FlagOverdueGifts flags every directed gift not delivered by its due time
// (domain.DirectedDeadline after the pledge) and announces each
// (directed_gift_overdue) in the same write. The check is made again under
// the donation's lock, so a delivery that lands during the sweep wins, and
// a second sweep flags nothing twice. It returns how many it flagged.
func (a *App) FlagOverdueGifts(ctx context.Context) (int, error) {
	now := a.Now()
	ids, err := a.Donations.DueDirected(ctx, now)
	if err != nil {
		return 0, err
	}
	flagged := 0
	var errs []error
	for _, id := range ids {
		var ev events.Envelope
		d, err := a.Donations.Update(ctx, id, func(d *domain.Donation) ([]events.Envelope, error) {
			var ok bool
			if ev, ok = d.FlagOverdue(now, Source); !ok {
				return nil, domain.ErrNoChange
			}
			return []events.Envelope{ev}, nil
		})
		if err != nil {
			// One donation failing must not hold the others back; the next
			// sweep tries it again.
			errs = append(errs, err)
			continue
		}
		if ev.ID != "" {
			flagged++
			a.Log.WarnContext(ctx, "directed gift not delivered in time", "donation_id", d.ID,
				"directed_hospital_id", d.DirectedHospitalID, "directed_region", d.DirectedRegion, "due_at", d.DueAt())
		}
	}
	return flagged, errors.Join(errs...)
}
