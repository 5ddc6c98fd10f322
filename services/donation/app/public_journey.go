package app

import (
	"context"

	"github.com/aidflow/aidflow/services/donation/domain"
	"github.com/aidflow/aidflow/shared/apperr"
)

// PublicJourney answers anyone holding a tracking code (typed in any case,
// with or without dashes) with the donation's journey. A code that is
// malformed, unknown, or whose donation was never written gets the same
// 404, so the answer says nothing about which codes exist. So does a code
// that is not its donation's: a pledge with an Idempotency-Key that died
// after reserving its code leaves that code pointing at the id its retry
// then creates under another code, and only the code the donor was given
// opens the journey.
func (a *App) PublicJourney(ctx context.Context, typed string) (domain.Journey, error) {
	code, ok := domain.NormalizeTrackingCode(typed)
	if !ok {
		return domain.Journey{}, domain.ErrCodeNotFound
	}
	id, err := a.Donations.DonationOfCode(ctx, code)
	if err != nil {
		return domain.Journey{}, err
	}
	d, err := a.Donations.Get(ctx, id)
	if apperr.Is(err, apperr.NotFound) || err == nil && d.TrackingCode != code {
		return domain.Journey{}, domain.ErrCodeNotFound
	}
	if err != nil {
		return domain.Journey{}, err
	}
	names, err := a.hospitalNames(ctx, d)
	if err != nil {
		return domain.Journey{}, err
	}
	return d.Journey(func(id string) string { return names[id] }), nil
}
