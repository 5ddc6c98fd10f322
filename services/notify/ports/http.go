// Package ports is notify's HTTP surface (webhook subscriptions, their
// delivery logs, the live feed) and its event consumers.
package ports

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/aidflow/aidflow/services/notify/app"
	"github.com/aidflow/aidflow/services/notify/domain"
	"github.com/aidflow/aidflow/shared/auth"
	"github.com/aidflow/aidflow/shared/httpx"
)

type handlers struct {
	app       *app.App
	heartbeat time.Duration
	verifier  *auth.Verifier
}

// Options tune the live feed.
type Options struct {
	// Heartbeat is how often an idle stream sends a comment line.
	Heartbeat time.Duration
	// Verifier tells a stream its token was revoked, so it ends.
	Verifier *auth.Verifier
}

// DefaultHeartbeat keeps idle streams open through proxies.
const DefaultHeartbeat = 15 * time.Second

// orgRoles may have webhooks and streams: organizations (the operator is
// told nothing).
var orgRoles = auth.OrgRoles

// Register mounts notify's routes on g (a group that already requires a
// valid token).
func Register(g *echo.Group, a *app.App, o Options) {
	if o.Heartbeat <= 0 {
		o.Heartbeat = DefaultHeartbeat
	}
	h := handlers{app: a, heartbeat: o.Heartbeat, verifier: o.Verifier}
	roles := auth.Require(orgRoles...)
	g.POST("/v1/webhooks", h.create, roles)
	g.GET("/v1/webhooks", h.list, roles)
	g.GET("/v1/webhooks/:id", h.get, roles)
	g.DELETE("/v1/webhooks/:id", h.delete, roles, httpx.NoBody)
	g.POST("/v1/webhooks/:id/resume", h.resume, roles, httpx.NoBody)
	g.GET("/v1/webhooks/:id/deliveries", h.deliveries, roles)
	g.GET("/v1/me/stream", h.stream, roles)
}

// SubscriptionJSON is a subscription as the API shows it; Secret only in
// the answer to its creation.
type SubscriptionJSON struct {
	ID                  string     `json:"id"`
	URL                 string     `json:"url"`
	Events              []string   `json:"events"`
	Status              string     `json:"status"`
	PausedReason        string     `json:"paused_reason,omitempty"`
	ConsecutiveFailures int        `json:"consecutive_failures"`
	LastStatus          int        `json:"last_status,omitempty"`
	LastError           string     `json:"last_error,omitempty"`
	LastAttemptAt       *time.Time `json:"last_attempt_at,omitempty"`
	Pending             int        `json:"pending"`
	Dropped             int64      `json:"dropped,omitempty"`
	CreatedAt           time.Time  `json:"created_at"`
	UpdatedAt           time.Time  `json:"updated_at"`
	Secret              string     `json:"secret,omitempty"`
}

func subscriptionJSON(s domain.Subscription) SubscriptionJSON {
	j := SubscriptionJSON{ID: s.ID, URL: s.URL, Events: s.Events, Status: s.Status, PausedReason: s.PausedReason,
		ConsecutiveFailures: s.ConsecutiveFailures, LastStatus: s.LastStatus, LastError: s.LastError, Pending: int(s.Pending()),
		Dropped: s.Dropped, CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt}
	if !s.LastAttemptAt.IsZero() {
		t := s.LastAttemptAt
		j.LastAttemptAt = &t
	}
	return j
}

// DeliveryJSON is one entry of a delivery log.
type DeliveryJSON struct {
	ID             string        `json:"id"`
	Event          string        `json:"event"`
	NotificationID string        `json:"notification_id"`
	Subject        string        `json:"subject"`
	Status         string        `json:"status"`
	Attempts       int           `json:"attempts"`
	NextAttemptAt  *time.Time    `json:"next_attempt_at,omitempty"`
	LastStatusCode int           `json:"last_status_code,omitempty"`
	LastError      string        `json:"last_error,omitempty"`
	CreatedAt      time.Time     `json:"created_at"`
	UpdatedAt      time.Time     `json:"updated_at"`
	History        []AttemptJSON `json:"history"`
}

// AttemptJSON is one try of a delivery.
type AttemptJSON struct {
	At         time.Time `json:"at"`
	StatusCode int       `json:"status_code,omitempty"`
	Error      string    `json:"error,omitempty"`
	DurationMS int64     `json:"duration_ms"`
}

func deliveryJSON(d domain.Delivery) DeliveryJSON {
	j := DeliveryJSON{ID: d.ID, Event: d.Event, NotificationID: d.NotificationID, Subject: d.Subject, Status: d.Status,
		Attempts: d.Tries, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt, History: []AttemptJSON{}}
	if d.Status == domain.DeliveryPending {
		t := d.NextAt
		j.NextAttemptAt = &t
	}
	for _, a := range d.Attempts {
		j.History = append(j.History, AttemptJSON{At: a.At, StatusCode: a.StatusCode, Error: a.Error, DurationMS: a.Duration.Milliseconds()})
	}
	if n := len(d.Attempts); n > 0 {
		j.LastStatusCode, j.LastError = d.Attempts[n-1].StatusCode, d.Attempts[n-1].Error
	}
	return j
}

type createRequest struct {
	URL    string   `json:"url"`
	Events []string `json:"events"`
}

func (h handlers) create(c echo.Context) error {
	var req createRequest
	if err := httpx.Bind(c, &req); err != nil {
		return err
	}
	s, err := h.app.CreateSubscription(c.Request().Context(), auth.From(c), httpx.RequestKey(c), domain.NewSubscriptionInput{URL: req.URL, Events: req.Events})
	if err != nil {
		return err
	}
	j := subscriptionJSON(s)
	j.Secret = s.Secret
	c.Response().Header().Set(echo.HeaderLocation, "/v1/webhooks/"+s.ID)
	return c.JSON(http.StatusCreated, j)
}

func (h handlers) list(c echo.Context) error {
	p, err := httpx.ParsePage(c)
	if err != nil {
		return err
	}
	subs, err := h.app.ListSubscriptions(c.Request().Context(), auth.From(c), p.After, p.Limit+1)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, page(subs, p.Limit, subscriptionJSON, func(j SubscriptionJSON) string { return j.ID }))
}

func (h handlers) get(c echo.Context) error {
	s, err := h.app.GetSubscription(c.Request().Context(), auth.From(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, subscriptionJSON(s))
}

func (h handlers) delete(c echo.Context) error {
	if err := h.app.DeleteSubscription(c.Request().Context(), auth.From(c), c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (h handlers) resume(c echo.Context) error {
	s, err := h.app.ResumeSubscription(c.Request().Context(), auth.From(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, subscriptionJSON(s))
}

func (h handlers) deliveries(c echo.Context) error {
	p, err := httpx.ParsePage(c)
	if err != nil {
		return err
	}
	ds, err := h.app.ListDeliveries(c.Request().Context(), auth.From(c), c.Param("id"), p.After, p.Limit+1)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, page(ds, p.Limit, deliveryJSON, func(j DeliveryJSON) string { return j.ID }))
}

// page renders a list read with one more than limit: the extra one says
// there is a next page, which starts after the last item shown.
func page[T, J any](all []T, limit int, render func(T) J, key func(J) string) httpx.List[J] {
	items := make([]J, 0, min(len(all), limit))
	for _, x := range all[:min(len(all), limit)] {
		items = append(items, render(x))
	}
	next := ""
	if len(all) > limit && len(items) > 0 {
		next = httpx.EncodeCursor(key(items[len(items)-1]))
	}
	return httpx.NewList(items, next)
}
