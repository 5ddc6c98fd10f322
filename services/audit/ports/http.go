// Package ports is the audit service's HTTP surface (API.md, "Regulators:
// audit") and its event consumers.
package ports

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/audit/app"
	"github.com/aidflow/aidflow/services/audit/domain"
	"github.com/aidflow/aidflow/shared/apperr"
	"github.com/aidflow/aidflow/shared/auth"
	"github.com/aidflow/aidflow/shared/httpx"
)

type handlers struct{ app *app.App }

// Register mounts the regulators' routes on authed (a group that already
// requires a valid token) and the public checkpoint on public (no token).
func Register(authed *echo.Group, public *echo.Echo, a *app.App) {
	h := handlers{a}
	reg := auth.Require(auth.Regulator)
	authed.GET("/v1/audit/events", h.listEvents, reg)
	authed.GET("/v1/audit/verify", h.verify, reg)
	public.GET("/v1/public/checkpoint", h.checkpoint)
}

// eventJSON is a recorded event: the envelope as recorded, with its index.
type eventJSON struct {
	Index int64 `json:"index"`
	events.Envelope
}

func (h handlers) listEvents(c echo.Context) error {
	p, err := httpx.ParsePage(c)
	if err != nil {
		return err
	}
	q := domain.Query{Type: c.QueryParam("type"), OrgID: c.QueryParam("org_id"), Item: c.QueryParam("item"), After: -1, Limit: p.Limit}
	var v apperr.Validation
	if s := c.QueryParam("since"); s != "" {
		t, err := time.Parse(time.RFC3339, s)
		v.Check(err == nil, "since", "must be an RFC 3339 time such as 2026-03-01T08:00:00Z")
		q.Since = t
	}
	if p.After != "" {
		n, err := strconv.ParseInt(p.After, 10, 64)
		if err != nil || n < 0 {
			return apperr.New(apperr.Invalid, "cursor is not one this server gave out")
		}
		q.After = n
	}
	if err := v.Err(); err != nil {
		return err
	}
	got, more, err := h.app.ListEvents(c.Request().Context(), q)
	if err != nil {
		return err
	}
	items := make([]eventJSON, 0, len(got))
	for _, l := range got {
		items = append(items, eventJSON{Index: l.Index, Envelope: l.Event})
	}
	next := ""
	if more && len(items) > 0 {
		next = httpx.EncodeCursor(strconv.FormatInt(items[len(items)-1].Index, 10))
	}
	return c.JSON(http.StatusOK, httpx.NewList(items, next))
}

func (h handlers) verify(c echo.Context) error {
	v, err := h.app.VerifyLog(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

// checkpointJSON is the public checkpoint. note is the whole signed note;
// key is the verifier key that note.Open checks it with.
type checkpointJSON struct {
	Origin    string    `json:"origin"`
	Size      int64     `json:"size"`
	RootHash  string    `json:"root_hash"`
	Signature string    `json:"signature"`
	Note      string    `json:"note"`
	Key       string    `json:"key"`
	Time      time.Time `json:"time"`
}

func (h handlers) checkpoint(c echo.Context) error {
	cp, err := h.app.CurrentCheckpoint(c.Request().Context())
	if err != nil {
		return err
	}
	// Checkpoints change as the log grows; a cache may keep one briefly.
	c.Response().Header().Set("Cache-Control", "public, max-age=5")
	return c.JSON(http.StatusOK, checkpointJSON{
		Origin: cp.Origin, Size: cp.Size, RootHash: cp.Root.String(), Signature: cp.Signature(),
		Note: string(cp.Note), Key: h.app.Signer.VerifierKey(), Time: cp.Time,
	})
}
