package app

import (
	"context"
	"errors"
	"strings"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/donation/domain"
)

// allocationKey is the key under which an allocation's donation is kept
// in the store's code index (Repository.ReserveCode / DonationOfCode): a
// lookup by _id, and never a tracking code (those are upper-case letters
// and digits only).
func allocationKey(allocationID string) string { return "allocation:" + allocationID }

// recordAllocation remembers which donation an allocation belongs to, so
// a correction of the allocation's events finds it. Recording it again is
// harmless.
func (a *App) recordAllocation(ctx context.Context, allocationID, donationID string) error {
	err := a.Donations.ReserveCode(ctx, allocationKey(allocationID), donationID)
	if errors.Is(err, domain.ErrCodeTaken) {
		return nil
	}
	return err
}

// ApplyCorrection keeps an audit correction (record_corrected) of one of
// a donation's own events (its subject is the donation) or of one of its
// allocations' events (its subject is the allocation), to show on the
// public journey beside the original. Corrections of anything else are
// not the donation service's and change nothing; so does a repeat.
func (a *App) ApplyCorrection(ctx context.Context, e events.Envelope, rc events.RecordCorrected) error {
	subject := e.Subject
	if subject == "" || strings.HasPrefix(rc.CorrectsType, "aidflow.audit.") {
		return nil
	}
	donationID, allocationID := subject, ""
	if _, err := a.Donations.Get(ctx, subject); errors.Is(err, domain.ErrDonationNotFound) {
		id, err := a.Donations.DonationOfCode(ctx, allocationKey(subject))
		if errors.Is(err, domain.ErrCodeNotFound) {
			return nil // neither a donation nor one of their allocations
		}
		if err != nil {
			return err
		}
		donationID, allocationID = id, subject
	} else if err != nil {
		return err
	}
	c := domain.NewCorrection(e.ID, allocationID, rc.CorrectsType, rc.Reason, rc.Corrected, e.Time)
	_, err := a.Donations.Update(ctx, donationID, func(d *domain.Donation) ([]events.Envelope, error) {
		if allocationID != "" {
			if _, ok := d.Allocations[allocationID]; !ok {
				return nil, domain.ErrNoChange
			}
		}
		if !d.AddCorrection(c) {
			return nil, domain.ErrNoChange
		}
		return nil, nil
	})
	if errors.Is(err, domain.ErrDonationNotFound) {
		return nil
	}
	return err
}
