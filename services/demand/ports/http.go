// Package ports is the demand service's HTTP surface (API.md, "Hospitals:
// needs and receipt") and its event consumer.
package ports

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/aidflow/aidflow/contracts/catalog"
	"github.com/aidflow/aidflow/services/demand/app"
	"github.com/aidflow/aidflow/services/demand/domain"
	"github.com/aidflow/aidflow/shared/apperr"
	"github.com/aidflow/aidflow/shared/auth"
	"github.com/aidflow/aidflow/shared/httpx"
)

type handlers struct{ app *app.App }

// Register mounts the demand routes on g (a group that already requires a
// valid token). Wrong roles get 403; another hospital's need is 404.
func Register(g *echo.Group, a *app.App) {
	h := handlers{a}
	hospital := auth.Require(auth.Hospital)
	g.POST("/v1/needs", h.postNeed, hospital)
	// echo reads ':' as a parameter; escaped, it is the literal of
	// API-style custom methods (/v1/needs:import).
	g.POST("/v1/needs\\:import", h.importNeeds, hospital)
	g.GET("/v1/needs", h.listNeeds, auth.Require(auth.Hospital, auth.Regulator))
	// A static segment: echo tries it before /v1/needs/:id, so "daily" is
	// never read as a need id (need ids start with need_).
	g.GET("/v1/needs/daily", h.dailyNeeds, auth.Require(auth.Regulator))
	g.GET("/v1/needs/:id", h.getNeed)
	g.GET("/v1/needs/:id/timeline", h.needTimeline)
	g.POST("/v1/needs/:id/cancel", h.cancelNeed, hospital, httpx.NoBody)
	g.POST("/v1/needs/:id/confirm", h.confirmNeed, hospital, httpx.NoBody)
	g.POST("/v1/stock-reports", h.reportStock, hospital)
	g.GET("/v1/stock-reports", h.listStockReports, auth.Require(auth.Hospital, auth.Regulator))
}

type allocationJSON struct {
	ID         string `json:"id"`
	Quantity   int64  `json:"quantity"`
	Status     string `json:"status"`
	SourceKind string `json:"source_kind"`
}

// NeedJSON is a need as API.md shows it.
type NeedJSON struct {
	ID                 string           `json:"id"`
	HospitalID         string           `json:"hospital_id"`
	Item               string           `json:"item"`
	Quantity           int64            `json:"quantity"`
	Urgency            string           `json:"urgency"`
	NeededBy           string           `json:"needed_by"`
	Region             string           `json:"region"`
	Status             string           `json:"status"`
	AllocatedQuantity  int64            `json:"allocated_quantity"`
	DispatchedQuantity int64            `json:"dispatched_quantity"`
	DeliveredQuantity  int64            `json:"delivered_quantity"`
	Allocations        []allocationJSON `json:"allocations"`
	AcceptedStandards  []string         `json:"accepted_standards"`
	// Note is present only for those who may read it (its hospital and
	// regulators, today the only readers of a need at all).
	Note        *string    `json:"note,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	ConfirmedAt *time.Time `json:"confirmed_at"`
}

func toJSON(n domain.Need, v domain.Viewer) NeedJSON {
	j := NeedJSON{
		ID: n.ID, HospitalID: n.HospitalID, Item: n.Item, Quantity: n.Quantity, Urgency: n.Urgency,
		NeededBy: n.NeededBy, Region: n.Region, Status: n.Status, AllocatedQuantity: n.AllocatedQuantity,
		DispatchedQuantity: n.DispatchedQuantity, DeliveredQuantity: n.DeliveredQuantity,
		Allocations: []allocationJSON{}, AcceptedStandards: n.AcceptedStandards,
		CreatedAt: n.CreatedAt, UpdatedAt: n.UpdatedAt, ConfirmedAt: n.ConfirmedAt,
	}
	if j.AcceptedStandards == nil {
		j.AcceptedStandards = []string{}
	}
	for _, a := range n.Allocations {
		j.Allocations = append(j.Allocations, allocationJSON{ID: a.ID, Quantity: a.Quantity, Status: a.Status, SourceKind: a.SourceKind})
	}
	if n.CanRead(v) {
		note := n.Note
		j.Note = &note
	}
	return j
}

func viewer(c echo.Context) domain.Viewer {
	cl := auth.From(c)
	return domain.Viewer{OrgID: cl.OrgID, Role: cl.Role}
}

type postNeedRequest struct {
	Item string `json:"item"`
	// Quantity is read raw so that 1.5 or "500" get a 422 saying what to
	// write, like every other field, instead of a decoder's 400.
	Quantity          json.RawMessage `json:"quantity"`
	Urgency           string          `json:"urgency"`
	NeededBy          string          `json:"needed_by"`
	AcceptedStandards []string        `json:"accepted_standards"`
	Note              string          `json:"note"`
}

func (h handlers) postNeed(c echo.Context) error {
	var req postNeedRequest
	if err := httpx.Bind(c, &req); err != nil {
		return err
	}
	cl := auth.From(c)
	n, err := h.app.PostNeed(c.Request().Context(), domain.Poster{HospitalID: cl.OrgID, Region: cl.Region}, httpx.RequestKey(c), req.input())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toJSON(n, viewer(c)))
}

func (h handlers) getNeed(c echo.Context) error {
	v := viewer(c)
	n, err := h.app.GetNeed(c.Request().Context(), v, c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toJSON(n, v))
}

// listNeeds answers newest first (creation time, then id, descending).
func (h handlers) listNeeds(c echo.Context) error {
	p, err := httpx.ParsePage(c)
	if err != nil {
		return err
	}
	f := domain.ListFilter{Status: c.QueryParam("status"), Item: c.QueryParam("item")}
	var bad []apperr.FieldError
	if f.Status != "" && !slices.Contains(domain.Statuses, f.Status) {
		bad = append(bad, apperr.FieldError{Field: "status", Message: "must be one of " + strings.Join(domain.Statuses, ", ")})
	}
	if f.Item != "" && !catalog.Valid(f.Item) {
		bad = append(bad, apperr.FieldError{Field: "item", Message: "must be a catalog item code such as n95-respirator (GET /v1/catalog/items lists them)"})
	}
	if len(bad) > 0 {
		return &apperr.Error{Code: apperr.Invalid, Message: bad[0].Field + ": " + bad[0].Message, Fields: bad}
	}
	v := viewer(c)
	needs, next, err := h.app.ListNeeds(v, f, p.After, p.Limit)
	if err != nil {
		return err
	}
	items := make([]NeedJSON, 0, len(needs))
	for _, n := range needs {
		items = append(items, toJSON(n, v))
	}
	return c.JSON(http.StatusOK, httpx.NewList(items, httpx.EncodeCursor(next)))
}

func (h handlers) cancelNeed(c echo.Context) error {
	v := viewer(c)
	n, err := h.app.CancelNeed(c.Request().Context(), v.OrgID, c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toJSON(n, v))
}

func (h handlers) confirmNeed(c echo.Context) error {
	v := viewer(c)
	n, err := h.app.ConfirmNeed(c.Request().Context(), v.OrgID, c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toJSON(n, v))
}
