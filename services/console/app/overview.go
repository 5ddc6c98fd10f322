package app

import (
	"context"

	"github.com/aidflow/aidflow/services/console/domain"
)

// Overview is production and stock against open demand, and the
// manufacturers' reporting and declines.
type Overview struct {
	// Province is the province the per-day rows are for ("" nationwide).
	Province string
	// Days are supply against open demand per day for Province, by date
	// then item.
	Days          []domain.DayRow
	Supply        []domain.SupplyRow
	Manufacturers []domain.ManufacturerRow
	// Partial says a list was longer than MaxRead and only its start was
	// added up.
	Partial bool
}

// DailyDays is how many days the per-day table shows.
const DailyDays = 7

// Overview reads every current capacity report, every need and the
// matcher's allocation statistics (each bounded by MaxRead) and adds them
// up, and sets supply per day (the supply service's) beside open demand
// per day (the demand service's) for province ("" nationwide).
func (a *App) Overview(ctx context.Context, token, province string) (Overview, error) {
	caps, more1, err := a.API.Capacity(ctx, token, a.MaxRead)
	if err != nil {
		return Overview{}, err
	}
	needs, more2, err := a.API.Needs(ctx, token, a.MaxRead)
	if err != nil {
		return Overview{}, err
	}
	stats, more3, err := a.API.AllocationStats(ctx, token, a.MaxRead)
	if err != nil {
		return Overview{}, err
	}
	daily, more4, err := a.API.DailyCapacity(ctx, token, DailyDays, a.MaxRead)
	if err != nil {
		return Overview{}, err
	}
	demand, more5, err := a.API.DailyNeeds(ctx, token, DailyDays, a.MaxRead)
	if err != nil {
		return Overview{}, err
	}
	return Overview{
		Province:      province,
		Days:          domain.DaysAgainstDemand(daily, demand, province),
		Supply:        domain.SupplyAgainstDemand(caps, needs),
		Manufacturers: domain.Manufacturers(caps, stats, a.Now(), a.StaleAfter),
		Partial:       more1 || more2 || more3 || more4 || more5,
	}, nil
}
