package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/aidflow/aidflow/services/donation/domain"
	"github.com/aidflow/aidflow/shared/apperr"
	"github.com/aidflow/aidflow/shared/auth"
)

// codeAttempts bounds the draws of a fresh tracking code. With 2^65 codes
// a single collision is already unheard of; more than a few in a row means
// the store is failing, not that codes ran out.
const codeAttempts = 5

// PledgeDonation records a donor's pledge with a fresh tracking code and
// announces it (donation_pledged) in the same write.
func (a *App) PledgeDonation(ctx context.Context, by auth.Claims, in domain.PledgeInput) (domain.Donation, error) {
	var hospital *domain.Org
	if in.HospitalID != "" {
		o, err := a.Orgs.Get(ctx, in.HospitalID)
		switch {
		case err == nil:
			hospital = &o
		case !apperr.Is(err, apperr.NotFound):
			return domain.Donation{}, err
		}
	}
	d, err := domain.NewDonation(in, by, hospital, a.Now())
	if err != nil {
		return domain.Donation{}, err
	}
	// The code is stored first, pointing at the donation's id: a crash
	// before the donation is written leaves an unused code (its lookup
	// answers 404), never a donation without a code.
	for attempt := 1; ; attempt++ {
		d.TrackingCode = domain.NewTrackingCode()
		err := a.Donations.ReserveCode(ctx, d.TrackingCode, d.ID)
		if err == nil {
			break
		}
		if !errors.Is(err, domain.ErrCodeTaken) || attempt == codeAttempts {
			return domain.Donation{}, fmt.Errorf("reserve a tracking code: %w", err)
		}
	}
	if err := a.Donations.Create(ctx, d, d.Event(Source)); err != nil {
		return domain.Donation{}, err
	}
	return d, nil
}
