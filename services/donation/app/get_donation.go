package app

import (
	"context"

	"github.com/aidflow/aidflow/services/donation/domain"
	"github.com/aidflow/aidflow/shared/auth"
)

// GetDonation returns a donation to its donor or a regulator, with the
// public names of the hospitals its allocations go to. Anyone else gets
// 404, so donation ids cannot be probed.
func (a *App) GetDonation(ctx context.Context, by auth.Claims, id string) (domain.Donation, map[string]string, error) {
	d, err := a.Donations.Get(ctx, id)
	if err != nil {
		return domain.Donation{}, nil, err
	}
	if by.Role != auth.Regulator && (by.Role != auth.Donor || by.OrgID != d.DonorID) {
		return domain.Donation{}, nil, domain.ErrDonationNotFound
	}
	names, err := a.hospitalNames(ctx, d)
	if err != nil {
		return domain.Donation{}, nil, err
	}
	return d, names, nil
}
