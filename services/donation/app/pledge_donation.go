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
//
// key, when not empty (httpx.RequestKey: the Idempotency-Key with the
// body), makes the donation's id a function of the donor and the key. The
// idempotency record is written after the donation, so a crash in between
// leaves a stored donation and no record; the client's retry then finds
// the donation by its id and answers it, tracking code and all, instead of
// pledging it a second time (found by the fault suite, e2e/faults).
func (a *App) PledgeDonation(ctx context.Context, by auth.Claims, key string, in domain.PledgeInput) (domain.Donation, error) {
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
	if key != "" {
		d.ID = domain.KeyedDonationID(by.OrgID, key)
		held, err := a.Donations.Get(ctx, d.ID)
		if err == nil {
			return held, nil
		}
		if !errors.Is(err, domain.ErrDonationNotFound) {
			return domain.Donation{}, err
		}
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
	err = a.Donations.Create(ctx, d, d.Event(Source))
	if errors.Is(err, domain.ErrExists) && key != "" {
		return a.Donations.Get(ctx, d.ID) // the same retry, in another process
	}
	if err != nil {
		return domain.Donation{}, err
	}
	return d, nil
}
