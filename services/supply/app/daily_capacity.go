package app

import (
	"context"
	"math"

	"github.com/aidflow/aidflow/contracts/catalog"
	"github.com/aidflow/aidflow/services/supply/domain"
	"github.com/aidflow/aidflow/shared/apperr"
	"github.com/aidflow/aidflow/shared/auth"
	"github.com/aidflow/aidflow/shared/daily"
)

// DailyCapacity is supply per day for the regulators: for each of the
// last days (China time, today included) and each item, nationwide and
// per province, the sum of every report's end-of-day figures. Served
// from the in-memory list index (reports × 31 days of history).
func (a *App) DailyCapacity(ctx context.Context, by auth.Claims, days int, item string) ([]domain.DailyRow, error) {
	if by.Role != auth.Regulator {
		return nil, apperr.New(apperr.Forbidden, "supply per day is for regulators")
	}
	var v apperr.Validation
	daily.CheckDays(&v, days)
	v.Check(item == "" || catalog.Valid(item), "item", "is not a catalog item; see GET /v1/catalog/items")
	if err := v.Err(); err != nil {
		return nil, err
	}
	caps, err := a.Capacity.List(ctx, domain.Filter{Item: item}, "", math.MaxInt)
	if err != nil {
		return nil, err
	}
	return domain.Daily(caps, daily.Dates(a.Now(), days)), nil
}
