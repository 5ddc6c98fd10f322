package ports

import (
	"github.com/labstack/echo/v4"

	"github.com/aidflow/aidflow/services/demand/domain"
	"github.com/aidflow/aidflow/shared/daily"
	"github.com/aidflow/aidflow/shared/httpx"
)

// DailyJSON is one row of GET /v1/needs/daily.
type DailyJSON struct {
	daily.Key
	OpenNeeds   int   `json:"open_needs"`
	Stale       int   `json:"stale"`
	Quantity    int64 `json:"quantity"`
	Unallocated int64 `json:"unallocated"`
	Delivered   int64 `json:"delivered"`
	Posted      int   `json:"posted"`
}

// dailyNeeds answers open demand per day, by date, item and province.
func (h handlers) dailyNeeds(c echo.Context) error {
	return httpx.ComputedList(c, func() ([]domain.DailyRow, error) {
		return h.app.DailyNeeds(viewer(c), daily.ParseDays(c.QueryParam("days")), c.QueryParam("item"), c.QueryParam("province"))
	}, domain.DailyRow.Cursor, func(r domain.DailyRow) DailyJSON { return DailyJSON(r) })
}
