package app

import (
	"github.com/aidflow/aidflow/contracts/catalog"
	"github.com/aidflow/aidflow/contracts/regions"
	"github.com/aidflow/aidflow/services/demand/domain"
	"github.com/aidflow/aidflow/shared/apperr"
	"github.com/aidflow/aidflow/shared/auth"
	"github.com/aidflow/aidflow/shared/daily"
)

// DailyNeeds is open demand per day for the regulators: for each of the
// last days (China time, today included) and each item, nationwide and
// per province, the needs' end-of-day figures added up (domain.Daily).
// item ("" every item) and province (a province's code, "" every one and
// the nationwide rows) narrow it. Served from the index, no database read.
func (a *App) DailyNeeds(v domain.Viewer, days int, item, province string) ([]domain.DailyRow, error) {
	if v.Role != auth.Regulator {
		return nil, apperr.New(apperr.Forbidden, "open demand per day is for regulators")
	}
	var val apperr.Validation
	daily.CheckDays(&val, days)
	val.Check(item == "" || catalog.Valid(item), "item", "is not a catalog item; see GET /v1/catalog/items")
	val.Check(province == "" || regions.ProvinceOf(province) == province, "province",
		"must be a province's 6-digit code, ending in 0000, such as 420000 (Hubei)")
	if err := val.Err(); err != nil {
		return nil, err
	}
	rows := a.Index.Daily(daily.Dates(a.Now(), days), func(n *domain.Need) bool {
		return (item == "" || n.Item == item) && (province == "" || regions.ProvinceOf(n.Region) == province)
	})
	if province != "" {
		// Only the province's needs were counted: the nationwide rows
		// would repeat its rows.
		out := rows[:0]
		for _, r := range rows {
			if r.Province == province {
				out = append(out, r)
			}
		}
		rows = out
	}
	return rows, nil
}
