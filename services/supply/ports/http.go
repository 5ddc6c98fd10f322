// Package ports is the supply service's HTTP surface (API.md, "Manufacturers:
// capacity and dispatch": the capacity routes) and its event consumers.
package ports

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/aidflow/aidflow/services/supply/app"
	"github.com/aidflow/aidflow/services/supply/domain"
	"github.com/aidflow/aidflow/shared/auth"
	"github.com/aidflow/aidflow/shared/daily"
	"github.com/aidflow/aidflow/shared/httpx"
)

type handlers struct{ app *app.App }

// Register mounts the supply routes on g (a group that already requires a
// valid token).
func Register(g *echo.Group, a *app.App) {
	h := handlers{a}
	g.PUT("/v1/capacity/:item", h.report, auth.Require(auth.Manufacturer))
	g.GET("/v1/capacity", h.list, auth.Require(auth.Manufacturer, auth.Regulator))
	g.GET("/v1/capacity/daily", h.daily, auth.Require(auth.Regulator))
}

// CapacityJSON is a report as the API shows it. unit_price is in yuan, as
// the manufacturer sent it.
type CapacityJSON struct {
	ID             string      `json:"id"`
	ManufacturerID string      `json:"manufacturer_id"`
	Item           string      `json:"item"`
	AvailableNow   int64       `json:"available_now"`
	DailyRate      int64       `json:"daily_rate"`
	LeadTimeDays   int         `json:"lead_time_days"`
	Standard       string      `json:"standard"`
	UnitPrice      json.Number `json:"unit_price,omitempty"`
	Region         string      `json:"region"`
	Reserved       int64       `json:"reserved"`
	Remaining      int64       `json:"remaining"`
	OverReserved   int64       `json:"over_reserved"`
	Revision       int64       `json:"revision"`
	ReportedAt     time.Time   `json:"reported_at"`
	UpdatedAt      time.Time   `json:"updated_at"`
}

// ToJSON renders a report.
func ToJSON(c domain.Capacity) CapacityJSON {
	j := CapacityJSON{ID: c.ID, ManufacturerID: c.ManufacturerID, Item: c.Item, AvailableNow: c.AvailableNow, DailyRate: c.DailyRate,
		LeadTimeDays: c.LeadTimeDays, Standard: c.Standard, Region: c.Region, Reserved: c.Reserved(), Remaining: c.Remaining(), OverReserved: c.OverReserved(),
		Revision: c.Revision, ReportedAt: c.ReportedAt, UpdatedAt: c.UpdatedAt}
	if c.UnitPriceFen != nil {
		j.UnitPrice = json.Number(domain.FormatYuan(*c.UnitPriceFen))
	}
	return j
}

// literal keeps a JSON value exactly as sent, so the domain can check a
// price's form (a number, at most two decimals) and say what is wrong.
type literal string

func (l *literal) UnmarshalJSON(b []byte) error {
	*l = literal(b)
	return nil
}

type reportRequest struct {
	AvailableNow *int64   `json:"available_now"`
	DailyRate    *int64   `json:"daily_rate"`
	LeadTimeDays *int     `json:"lead_time_days"`
	Standard     string   `json:"standard"`
	UnitPrice    *literal `json:"unit_price"`
}

// input is the request as the domain reads it; a null price is no price.
func (r reportRequest) input(item string) domain.ReportInput {
	in := domain.ReportInput{Item: item, AvailableNow: r.AvailableNow, DailyRate: r.DailyRate,
		LeadTimeDays: r.LeadTimeDays, Standard: r.Standard}
	if r.UnitPrice != nil && *r.UnitPrice != "null" {
		in.UnitPrice = string(*r.UnitPrice)
	}
	return in
}

func (h handlers) report(c echo.Context) error {
	var req reportRequest
	if err := httpx.Bind(c, &req); err != nil {
		return err
	}
	cp, err := h.app.ReportCapacity(c.Request().Context(), auth.From(c), httpx.RequestKey(c), req.input(c.Param("item")))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, ToJSON(cp))
}

func (h handlers) list(c echo.Context) error {
	p, err := httpx.ParsePage(c)
	if err != nil {
		return err
	}
	cs, err := h.app.ListCapacity(c.Request().Context(), auth.From(c), c.QueryParam("item"), p.After, p.Limit+1)
	if err != nil {
		return err
	}
	items := make([]CapacityJSON, 0, len(cs))
	for _, cp := range cs {
		items = append(items, ToJSON(cp))
	}
	next := ""
	if len(items) > p.Limit {
		items = items[:p.Limit]
		next = httpx.EncodeCursor(items[len(items)-1].ID)
	}
	return c.JSON(http.StatusOK, httpx.NewList(items, next))
}

// DailyJSON is one row of GET /v1/capacity/daily.
type DailyJSON struct {
	daily.Key
	AvailableNow int64 `json:"available_now"`
	DailyRate    int64 `json:"daily_rate"`
	Reserved     int64 `json:"reserved"`
	Sources      int   `json:"sources"`
	Reported     int   `json:"reported"`
}

func (h handlers) daily(c echo.Context) error {
	return httpx.ComputedList(c, func() ([]domain.DailyRow, error) {
		return h.app.DailyCapacity(c.Request().Context(), auth.From(c), daily.ParseDays(c.QueryParam("days")), c.QueryParam("item"))
	}, domain.DailyRow.Cursor, func(r domain.DailyRow) DailyJSON { return DailyJSON(r) })
}
