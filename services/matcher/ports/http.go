// Package ports is the matcher's surface: its HTTP routes (API.md,
// "Manufacturers: capacity and dispatch" and the receipt under
// "Hospitals") and its event consumers.
package ports

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/aidflow/aidflow/services/matcher/app"
	"github.com/aidflow/aidflow/services/matcher/domain"
	"github.com/aidflow/aidflow/shared/apperr"
	"github.com/aidflow/aidflow/shared/auth"
	"github.com/aidflow/aidflow/shared/httpx"
)

type handlers struct{ app *app.App }

// Register mounts the allocation routes on g (a group that already
// requires a valid token). With parts, commands on other partitions'
// items go to their holders (nil: one partition serves every item).
func Register(g *echo.Group, a *app.App, parts *Partitions) {
	h := handlers{a}
	parties := auth.Require(auth.Manufacturer, auth.Donor, auth.Hospital, auth.Regulator)
	source := auth.Require(auth.Manufacturer, auth.Donor)
	regulator := auth.Require(auth.Regulator)
	ofAllocation := parts.forward(a, allocationItem(a))
	g.GET("/v1/allocations", h.list, parties)
	g.POST("/v1/allocations", h.override, regulator, parts.forward(a, parts.overrideNeedItem(a)))
	g.GET("/v1/allocations/stats", h.stats, regulator)
	g.GET("/v1/allocations/:id", h.get, parties)
	g.POST("/v1/allocations/:id/accept", h.accept, source, httpx.NoBody, ofAllocation)
	g.POST("/v1/allocations/:id/decline", h.decline, source, ofAllocation)
	g.POST("/v1/allocations/:id/dispatch", h.dispatch, source, ofAllocation)
	g.POST("/v1/allocations/:id/receipt", h.receipt, auth.Require(auth.Hospital), ofAllocation)
	g.POST("/v1/allocations/:id/cancel", h.cancel, regulator, ofAllocation)
	g.POST("/v1/allocations/:id/redirect", h.redirect, regulator, ofAllocation)
}

// actor is the caller, with the request's key when it carries an
// Idempotency-Key.
func actor(c echo.Context) app.Actor {
	cl := auth.From(c)
	return app.Actor{OrgID: cl.OrgID, Role: cl.Role, RequestKey: httpx.RequestKey(c)}
}

// allocationJSON is an allocation as its parties and regulators see it.
type allocationJSON struct {
	ID               string    `json:"id"`
	NeedID           string    `json:"need_id"`
	HospitalID       string    `json:"hospital_id"`
	HospitalRegion   string    `json:"hospital_region,omitempty"`
	Item             string    `json:"item"`
	Quantity         int64     `json:"quantity"`
	SourceKind       string    `json:"source_kind"`
	SourceID         string    `json:"source_id"`
	SourceOrgID      string    `json:"source_org_id"`
	SourceRegion     string    `json:"source_region,omitempty"`
	Status           string    `json:"status"`
	ShippedQuantity  int64     `json:"shipped_quantity"`
	ReceivedQuantity int64     `json:"received_quantity"`
	DamagedQuantity  int64     `json:"damaged_quantity"`
	DecidedBy        string    `json:"decided_by"`
	Reason           string    `json:"reason"`
	StatusReason     string    `json:"status_reason,omitempty"`
	StatusBy         string    `json:"status_by,omitempty"`
	RedirectedFrom   string    `json:"redirected_from,omitempty"`
	RedirectedTo     string    `json:"redirected_to,omitempty"`
	Carrier          string    `json:"carrier,omitempty"`
	TrackingNumber   string    `json:"tracking_number,omitempty"`
	ReceiptNote      string    `json:"receipt_note,omitempty"`
	Version          int64     `json:"version"`
	CreatedAt        time.Time `json:"created_at"`
	UpdatedAt        time.Time `json:"updated_at"`
}

// toJSON shows the hospital's private receipt note only to the hospital
// and regulators; every route that answers an allocation answers only its
// parties and regulators, so carrier and tracking number are theirs.
func toJSON(a domain.Allocation, viewer app.Actor) allocationJSON {
	j := allocationJSON{
		ID: a.ID, NeedID: a.NeedID, HospitalID: a.HospitalID, HospitalRegion: a.HospitalRegion, Item: a.Item,
		Quantity: a.Quantity, SourceKind: a.SourceKind, SourceID: a.SourceID, SourceOrgID: a.SourceOrgID,
		SourceRegion: a.SourceRegion, Status: a.Status, ShippedQuantity: a.ShippedQuantity,
		ReceivedQuantity: a.ReceivedQuantity, DamagedQuantity: a.DamagedQuantity, DecidedBy: a.DecidedBy,
		Reason: a.Reason, StatusReason: a.StatusReason, StatusBy: a.StatusBy, RedirectedFrom: a.RedirectedFrom, RedirectedTo: a.RedirectedTo,
		Carrier: a.Carrier, TrackingNumber: a.TrackingNumber,
		Version: a.Version, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt,
	}
	if viewer.Role == auth.Hospital || viewer.Role == auth.Regulator {
		j.ReceiptNote = a.ReceiptNote
	}
	return j
}

func (h handlers) list(c echo.Context) error {
	p, err := httpx.ParsePage(c)
	if err != nil {
		return err
	}
	who := actor(c)
	items, next, err := h.app.ListAllocations(c.Request().Context(), who, app.ListQuery{Status: c.QueryParam("status"), After: p.After, Limit: p.Limit})
	if err != nil {
		return err
	}
	out := make([]allocationJSON, 0, len(items))
	for _, a := range items {
		out = append(out, toJSON(a, who))
	}
	return c.JSON(http.StatusOK, httpx.NewList(out, httpx.EncodeCursor(next)))
}

func (h handlers) get(c echo.Context) error {
	who := actor(c)
	a, err := h.app.GetAllocation(c.Request().Context(), who, c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toJSON(a, who))
}

func (h handlers) accept(c echo.Context) error {
	who := actor(c)
	a, err := h.app.AcceptAllocation(c.Request().Context(), who, c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toJSON(a, who))
}

type reasonRequest struct {
	Reason string `json:"reason"`
}

func (h handlers) decline(c echo.Context) error {
	var req reasonRequest
	if err := httpx.Bind(c, &req); err != nil {
		return err
	}
	who := actor(c)
	a, err := h.app.DeclineAllocation(c.Request().Context(), who, c.Param("id"), req.Reason)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toJSON(a, who))
}

func (h handlers) cancel(c echo.Context) error {
	var req reasonRequest
	if err := httpx.Bind(c, &req); err != nil {
		return err
	}
	who := actor(c)
	a, err := h.app.CancelAllocation(c.Request().Context(), who, c.Param("id"), req.Reason)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toJSON(a, who))
}

// required reports a missing number by name: a JSON body without it would
// otherwise read as 0 and be refused for the wrong reason.
func required(v *apperr.Validation, field string, n *int64) int64 {
	if n == nil {
		v.Add(field, "is required")
		return 0
	}
	return *n
}

type dispatchRequest struct {
	ShippedQuantity *int64 `json:"shipped_quantity"`
	Carrier         string `json:"carrier"`
	TrackingNumber  string `json:"tracking_number"`
}

func (h handlers) dispatch(c echo.Context) error {
	var req dispatchRequest
	if err := httpx.Bind(c, &req); err != nil {
		return err
	}
	var v apperr.Validation
	in := domain.DispatchInput{ShippedQuantity: required(&v, "shipped_quantity", req.ShippedQuantity), Carrier: req.Carrier, TrackingNumber: req.TrackingNumber}
	if err := v.Err(); err != nil {
		return err
	}
	who := actor(c)
	a, err := h.app.DispatchAllocation(c.Request().Context(), who, c.Param("id"), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toJSON(a, who))
}

type receiptRequest struct {
	ReceivedQuantity *int64 `json:"received_quantity"`
	DamagedQuantity  int64  `json:"damaged_quantity"`
	Note             string `json:"note"`
}

func (h handlers) receipt(c echo.Context) error {
	var req receiptRequest
	if err := httpx.Bind(c, &req); err != nil {
		return err
	}
	var v apperr.Validation
	in := domain.ReceiptInput{ReceivedQuantity: required(&v, "received_quantity", req.ReceivedQuantity), DamagedQuantity: req.DamagedQuantity, Note: req.Note}
	if err := v.Err(); err != nil {
		return err
	}
	who := actor(c)
	a, err := h.app.ReceiveAllocation(c.Request().Context(), who, c.Param("id"), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toJSON(a, who))
}

type overrideRequest struct {
	NeedID     string `json:"need_id"`
	SourceKind string `json:"source_kind"`
	SourceID   string `json:"source_id"`
	Quantity   *int64 `json:"quantity"`
	Reason     string `json:"reason"`
}

func (h handlers) override(c echo.Context) error {
	var req overrideRequest
	if err := httpx.Bind(c, &req); err != nil {
		return err
	}
	var v apperr.Validation
	in := app.OverrideInput{NeedID: req.NeedID, SourceKind: req.SourceKind, SourceID: req.SourceID,
		Quantity: required(&v, "quantity", req.Quantity), Reason: req.Reason}
	if err := v.Err(); err != nil {
		return err
	}
	who := actor(c)
	a, err := h.app.OverrideAllocation(c.Request().Context(), who, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toJSON(a, who))
}

// StatsJSON is one source organization's row of GET /v1/allocations/stats.
type StatsJSON struct {
	SourceOrgID string `json:"source_org_id"`
	SourceKind  string `json:"source_kind"`
	Total       int    `json:"total"`
	Proposed    int    `json:"proposed"`
	Accepted    int    `json:"accepted"`
	Dispatched  int    `json:"dispatched"`
	Delivered   int    `json:"delivered"`
	Declined    int    `json:"declined"`
	Expired     int    `json:"expired"`
	Cancelled   int    `json:"cancelled"`
}

func (h handlers) stats(c echo.Context) error {
	p, err := httpx.ParsePage(c)
	if err != nil {
		return err
	}
	all, err := h.app.AllocationStats(c.Request().Context(), actor(c))
	if err != nil {
		return err
	}
	items := make([]StatsJSON, 0, len(all))
	for _, s := range all {
		n := s.ByStatus
		items = append(items, StatsJSON{SourceOrgID: s.SourceOrgID, SourceKind: s.SourceKind, Total: s.Total,
			Proposed: n[domain.StatusProposed], Accepted: n[domain.StatusAccepted], Dispatched: n[domain.StatusDispatched],
			Delivered: n[domain.StatusDelivered], Declined: n[domain.StatusDeclined], Expired: n[domain.StatusExpired], Cancelled: n[domain.StatusCancelled]})
	}
	// NUL sorts before any id character, so keys sort as the rows do.
	page, next := httpx.Paginate(items, func(s StatsJSON) string { return s.SourceOrgID + "\x00" + s.SourceKind }, p)
	return c.JSON(http.StatusOK, httpx.NewList(page, next))
}

type redirectRequest struct {
	NeedID string `json:"need_id"`
	Reason string `json:"reason"`
}

func (h handlers) redirect(c echo.Context) error {
	var req redirectRequest
	if err := httpx.Bind(c, &req); err != nil {
		return err
	}
	who := actor(c)
	a, err := h.app.RedirectAllocation(c.Request().Context(), who, c.Param("id"), app.RedirectInput{NeedID: req.NeedID, Reason: req.Reason})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toJSON(a, who))
}
