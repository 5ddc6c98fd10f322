package app

import (
	"context"

	"github.com/aidflow/aidflow/services/console/domain"
)

// Overview is production and stock against open demand, and the
// manufacturers' reporting and declines.
type Overview struct {
	Supply        []domain.SupplyRow
	Manufacturers []domain.ManufacturerRow
	// Partial says a list was longer than MaxRead and only its start was
	// added up.
	Partial bool
}

// Overview reads every current capacity report, every need and every
// capacity allocation (each bounded by MaxRead) and adds them up.
func (a *App) Overview(ctx context.Context, token string) (Overview, error) {
	caps, more1, err := a.API.Capacity(ctx, token, a.MaxRead)
	if err != nil {
		return Overview{}, err
	}
	needs, more2, err := a.API.Needs(ctx, token, a.MaxRead)
	if err != nil {
		return Overview{}, err
	}
	allocs, more3, err := a.API.Allocations(ctx, token, "", a.MaxRead)
	if err != nil {
		return Overview{}, err
	}
	return Overview{
		Supply:        domain.SupplyAgainstDemand(caps, needs),
		Manufacturers: domain.Manufacturers(caps, allocs, a.Now(), a.StaleAfter),
		Partial:       more1 || more2 || more3,
	}, nil
}
