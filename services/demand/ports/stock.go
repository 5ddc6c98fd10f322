package ports

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/aidflow/aidflow/contracts/catalog"
	"github.com/aidflow/aidflow/services/demand/domain"
	"github.com/aidflow/aidflow/shared/apperr"
	"github.com/aidflow/aidflow/shared/auth"
	"github.com/aidflow/aidflow/shared/httpx"
)

// StockReportJSON is a stock report as the API shows it.
type StockReportJSON struct {
	HospitalID       string  `json:"hospital_id"`
	Item             string  `json:"item"`
	Region           string  `json:"region"`
	OnHand           int64   `json:"on_hand"`
	DailyConsumption int64   `json:"daily_consumption"`
	DaysOfSupply     float64 `json:"days_of_supply"`
	// Critical says the report is under the critical-supply line
	// (domain.CriticalDaysOfSupply days): the matcher serves the hospital as
	// critical for this item.
	Critical   bool      `json:"critical"`
	ReportedAt time.Time `json:"reported_at"`
}

func stockJSON(s domain.StockReport) StockReportJSON {
	return StockReportJSON{HospitalID: s.HospitalID, Item: s.Item, Region: s.Region, OnHand: s.OnHand,
		DailyConsumption: s.DailyConsumption, DaysOfSupply: s.DaysOfSupply, Critical: s.Critical(), ReportedAt: s.ReportedAt}
}

type stockReportRequest struct {
	Item string `json:"item"`
	// The numbers are read raw, like a need's quantity, so 1.5 or "12"
	// get a 422 saying what to write.
	OnHand           json.RawMessage `json:"on_hand"`
	DailyConsumption json.RawMessage `json:"daily_consumption"`
}

func rawNumber(r json.RawMessage) string {
	s := strings.TrimSpace(string(r))
	if s == "null" {
		return ""
	}
	return s
}

func (h handlers) reportStock(c echo.Context) error {
	var req stockReportRequest
	if err := httpx.Bind(c, &req); err != nil {
		return err
	}
	cl := auth.From(c)
	s, err := h.app.ReportStock(c.Request().Context(), domain.Poster{HospitalID: cl.OrgID, Region: cl.Region},
		domain.StockReportInput{Item: req.Item, OnHand: rawNumber(req.OnHand), DailyConsumption: rawNumber(req.DailyConsumption)})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, stockJSON(s))
}

// listStockReports answers by hospital, then item.
func (h handlers) listStockReports(c echo.Context) error {
	p, err := httpx.ParsePage(c)
	if err != nil {
		return err
	}
	item := c.QueryParam("item")
	if item != "" && !catalog.Valid(item) {
		return &apperr.Error{Code: apperr.Invalid, Message: "item: must be a catalog item code",
			Fields: []apperr.FieldError{{Field: "item", Message: "must be a catalog item code such as n95-respirator (GET /v1/catalog/items lists them)"}}}
	}
	reports, next := h.app.ListStockReports(viewer(c), item, p.After, p.Limit)
	items := make([]StockReportJSON, 0, len(reports))
	for _, s := range reports {
		items = append(items, stockJSON(s))
	}
	return c.JSON(http.StatusOK, httpx.NewList(items, httpx.EncodeCursor(next)))
}
