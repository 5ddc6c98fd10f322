// Package ports is the console's web surface under /console: server-
// rendered pages and forms for regulators, each backed by the API calls
// the signed-in regulator's own token may make.
package ports

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/console/adapters/api"
	"github.com/aidflow/aidflow/services/console/app"
	"github.com/aidflow/aidflow/services/console/domain"
)

// allocationStatuses are API.md's allocation statuses.
var allocationStatuses = []string{"proposed", "accepted", "dispatched", "delivered", "declined", "expired", "cancelled"}

type handlers struct {
	log      *slog.Logger
	app      *app.App
	pages    *Pages
	sessions *Sessions
	types    []string
}

// Register mounts the console on e under /console.
func Register(e *echo.Echo, log *slog.Logger, a *app.App, pages *Pages, sessions *Sessions) {
	types := make([]string, 0, len(events.Registry))
	for t := range events.Registry {
		types = append(types, t)
	}
	slices.Sort(types)
	h := handlers{log: log, app: a, pages: pages, sessions: sessions, types: types}
	e.GET("/console", func(c echo.Context) error {
		target := "/console/"
		if q := c.QueryString(); q != "" {
			target += "?" + q // ?lang= too
		}
		return c.Redirect(http.StatusSeeOther, target)
	})
	e.GET("/console/static/*", echo.WrapHandler(pages.static))
	// The language first: every page, refusal and redirect after it
	// speaks the chosen one.
	e.GET("/console/sign-in", h.signInPage, h.language)
	e.POST("/console/sign-in", h.signIn, h.language, h.csrf)
	e.POST("/console/sign-out", h.signOut, h.language, h.csrf)

	g := e.Group("/console", h.language, h.signedIn)
	g.GET("/", h.overview)
	g.GET("/feed", h.feed)
	g.GET("/feed/rows", h.feedRows)
	g.GET("/anomalies", h.anomalies)
	g.POST("/anomalies/review", h.reviewAnomaly, h.csrf)
	g.GET("/allocations", h.allocations)
	g.POST("/allocations", h.makeAllocation, h.csrf)
	g.GET("/allocations/:id", h.story)
	g.POST("/allocations/:id/cancel", h.cancelAllocation, h.csrf)
	g.POST("/allocations/:id/redirect", h.redirectAllocation, h.csrf)
	g.GET("/audit", h.audit)
}

const sessionKey = "console.session"

func session(c echo.Context) domain.Session {
	s, _ := c.Get(sessionKey).(domain.Session)
	return s
}

// signedIn lets a request through only with a signed-in session; a
// browser without one goes to the sign-in page (the live script gets 401).
func (h handlers) signedIn(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		s, ok := h.sessions.Read(c)
		if !ok || !s.SignedIn() {
			return h.toSignIn(c, "")
		}
		c.Set(sessionKey, s)
		return next(c)
	}
}

func (h handlers) toSignIn(c echo.Context, reason string) error {
	if c.Request().Header.Get("Accept") == "text/html" && strings.HasSuffix(c.Path(), "/rows") {
		return c.NoContent(http.StatusUnauthorized)
	}
	target := "/console/sign-in"
	if reason != "" {
		target += "?ended=" + reason
	}
	return c.Redirect(http.StatusSeeOther, target)
}

// csrf refuses a form whose csrf field is not the session's token.
func (h handlers) csrf(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		s, ok := h.sessions.Read(c)
		if !ok || !s.CheckCSRF(c.FormValue("csrf")) {
			t := tr(c).T
			return h.pages.render(c, http.StatusForbidden, "refused", view{Title: t.FormRefused, CSRF: h.sessions.Visitor(c).CSRF, Data: "/console/",
				Error: &problem{Heading: t.CSRFHeading, Detail: t.CSRFDetail}})
		}
		c.Set(sessionKey, s)
		return next(c)
	}
}

// fail shows an API failure: an expired or revoked token ends the
// session; a refusal is shown on the page; anything else is the API down.
func (h handlers) fail(c echo.Context, err error, title, back string) error {
	var ae *domain.APIError
	if errors.As(err, &ae) && ae.Status == http.StatusUnauthorized {
		h.sessions.End(c)
		return h.toSignIn(c, "token")
	}
	status := http.StatusBadGateway
	if ae != nil && ae.Status < 500 {
		status = ae.Status
	} else {
		// The API down or answering what the console cannot read: an
		// operator must see why (the error names a path, never a token).
		h.log.ErrorContext(c.Request().Context(), "API call failed", "page", c.Request().URL.Path, "err", err)
	}
	v := h.base(c, title, "", problemOf(err, tr(c).T), back)
	v.Here = back
	return h.pages.render(c, status, "refused", v)
}

// named adds organizations' names to v. Names are a convenience: a page
// whose names cannot be read still shows the ids (an ended session is
// noticed by the page's own calls).
func (h handlers) named(c echo.Context, v view) view {
	names, err := h.app.OrgNames(c.Request().Context(), session(c).Token)
	if err != nil {
		h.log.WarnContext(c.Request().Context(), "organization names", "err", err)
	}
	v.Names = names
	return v
}

func (h handlers) base(c echo.Context, title, nav string, p *problem, data any) view {
	s := session(c)
	return view{Title: title, Nav: nav, CSRF: s.CSRF, Me: s, Error: p, Data: data, Flash: flash(c.QueryParam("done"), tr(c).T)}
}

// flash turns a ?done= code into its message; unknown codes say nothing,
// so a link cannot put words on the page.
func flash(code string, t texts) string {
	return map[string]string{
		"reviewed":   t.DoneReviewed,
		"cancelled":  t.DoneCancelled,
		"made":       t.DoneMade,
		"redirected": t.DoneRedirected,
	}[code]
}

func (h handlers) signInPage(c echo.Context) error {
	s := h.sessions.Visitor(c)
	if s.SignedIn() {
		return c.Redirect(http.StatusSeeOther, "/console/")
	}
	t := tr(c).T
	v := view{Title: t.SignIn, CSRF: s.CSRF}
	if c.QueryParam("ended") == "token" {
		v.Error = &problem{Heading: t.EndedHeading, Detail: t.EndedDetail}
	}
	return h.pages.render(c, http.StatusOK, "signin", v)
}

func (h handlers) signIn(c echo.Context) error {
	me, err := h.app.SignIn(c.Request().Context(), c.FormValue("token"))
	if err != nil {
		// Nothing of a refused token is kept: the visitor's session stays.
		csrf := session(c).CSRF
		t := tr(c).T
		v := view{Title: t.SignIn, CSRF: csrf, Here: "/console/sign-in"}
		var ae *domain.APIError
		status := http.StatusBadGateway
		switch {
		case errors.Is(err, app.ErrNoToken):
			status, v.Error = http.StatusUnprocessableEntity, &problem{Heading: t.NoTokenHeading, Detail: t.NoTokenDetail}
		case errors.Is(err, app.ErrNotRegulator):
			status, v.Error = http.StatusForbidden, &problem{Heading: t.NotRegulatorHeading, Detail: t.NotRegulatorDetail}
		case errors.As(err, &ae) && ae.Status < 500:
			status, v.Error = ae.Status, &problem{Heading: t.TokenRefused, Detail: ae.Error()}
		default:
			v.Error = problemOf(err, t)
		}
		return h.pages.render(c, status, "signin", v)
	}
	// A new CSRF token at sign-in: one known before it is useless after.
	h.sessions.Write(c, domain.Session{Token: strings.TrimSpace(c.FormValue("token")), OrgID: me.ID, Name: me.Name,
		CSRF: domain.NewCSRF(), Expires: h.sessions.Now().Add(h.sessions.TTL)})
	return c.Redirect(http.StatusSeeOther, "/console/")
}

func (h handlers) signOut(c echo.Context) error {
	h.sessions.End(c)
	return c.Redirect(http.StatusSeeOther, "/console/sign-in")
}

func (h handlers) overview(c echo.Context) error {
	t := tr(c).T
	o, err := h.app.Overview(c.Request().Context(), session(c).Token, c.QueryParam("province"))
	if err != nil {
		return h.fail(c, err, t.Overview, "/console/")
	}
	v := h.named(c, h.base(c, t.Overview, "overview", nil, o))
	v.Extra = days(h.app.StaleAfter, t)
	v.Provinces = provinceOptions(langOf(c))
	return h.pages.render(c, http.StatusOK, "overview", v)
}

func days(d time.Duration, t texts) string {
	if d%(24*time.Hour) == 0 {
		n := int(d / (24 * time.Hour))
		if n == 1 {
			return t.OneDay
		}
		return fmt.Sprintf(t.Days, n)
	}
	return d.String()
}

type feedData struct {
	Filter app.FeedFilter
	Feed   app.Feed
	Since  string
	// Query is the filters as a query string (for the next page and the
	// live script); Last is the last index shown.
	Query string
	Last  int64
}

func feedFilter(c echo.Context) app.FeedFilter {
	return app.FeedFilter{Item: c.QueryParam("item"), Region: c.QueryParam("region"), OrgID: strings.TrimSpace(c.QueryParam("org_id")),
		Type: c.QueryParam("type"), Since: strings.TrimSpace(c.QueryParam("since")), Cursor: c.QueryParam("cursor"), After: -1}
}

func (h handlers) feed(c echo.Context) error {
	f := feedFilter(c)
	got, err := h.app.Feed(c.Request().Context(), session(c).Token, f)
	if err != nil {
		return h.fail(c, err, tr(c).T.Feed, "/console/feed")
	}
	q := url.Values{}
	for k, v := range map[string]string{"item": f.Item, "region": f.Region, "org_id": f.OrgID, "type": f.Type, "since": got.Since} {
		if v != "" {
			q.Set(k, v)
		}
	}
	d := feedData{Filter: f, Feed: got, Since: got.Since, Query: q.Encode(), Last: -1}
	if n := len(got.Events); n > 0 {
		d.Last = got.Events[n-1].Index
	}
	v := h.base(c, tr(c).T.Feed, "feed", nil, d)
	// Follow live only from the last page: elsewhere new events belong
	// after pages the regulator has not opened yet.
	v.Script = got.Next == ""
	v.Items, v.Provinces, v.Types = itemOptions(langOf(c)), provinceOptions(langOf(c)), h.types
	return h.pages.render(c, http.StatusOK, "feed", v)
}

// feedRows answers the live script: the rows after ?after=, and the new
// last index in X-Last-Index.
func (h handlers) feedRows(c echo.Context) error {
	f := feedFilter(c)
	after, err := strconv.ParseInt(c.QueryParam("after"), 10, 64)
	if err != nil {
		return c.String(http.StatusBadRequest, "after must be a log index")
	}
	f.After = after
	got, err := h.app.Feed(c.Request().Context(), session(c).Token, f)
	if err != nil {
		var ae *domain.APIError
		if errors.As(err, &ae) && ae.Status == http.StatusUnauthorized {
			h.sessions.End(c)
			return c.NoContent(http.StatusUnauthorized)
		}
		return c.String(http.StatusBadGateway, "the API did not answer")
	}
	last := after
	if n := len(got.Events); n > 0 {
		last = got.Events[n-1].Index
	}
	c.Response().Header().Set("X-Last-Index", strconv.FormatInt(last, 10))
	return h.pages.rows(c, got.Events)
}

type anomaliesData struct {
	Anomalies []domain.Anomaly
	More      bool
}

func (h handlers) anomalies(c echo.Context) error { return h.anomaliesPage(c, http.StatusOK, nil) }

func (h handlers) anomaliesPage(c echo.Context, status int, p *problem) error {
	t := tr(c).T
	xs, more, err := h.app.Anomalies(c.Request().Context(), session(c).Token)
	if err != nil {
		return h.fail(c, err, t.Anomalies, "/console/anomalies")
	}
	v := h.named(c, h.base(c, t.Anomalies, "anomalies", p, anomaliesData{Anomalies: xs, More: more}))
	v.Here = "/console/anomalies"
	return h.pages.render(c, status, "anomalies", v)
}

func (h handlers) reviewAnomaly(c echo.Context) error {
	err := h.app.ReviewAnomaly(c.Request().Context(), session(c).Token, c.FormValue("id"), c.FormValue("note"))
	if err != nil {
		return h.refusedOr(c, err, "/console/anomalies", func(status int, p *problem) error { return h.anomaliesPage(c, status, p) })
	}
	return c.Redirect(http.StatusSeeOther, "/console/anomalies?done=reviewed")
}

// refusedOr shows a refused action on its own page (render) with the
// API's words; an ended session or an unreachable API goes through fail,
// back to page (the action's page: its POST path has no page of its own).
func (h handlers) refusedOr(c echo.Context, err error, page string, render func(status int, p *problem) error) error {
	var ae *domain.APIError
	if errors.As(err, &ae) && ae.Status >= 400 && ae.Status < 500 && ae.Status != http.StatusUnauthorized {
		return render(ae.Status, problemOf(err, tr(c).T))
	}
	return h.fail(c, err, tr(c).T.ActionFailed, page)
}

type allocationsData struct {
	Status      string
	Allocations []domain.Allocation
	More        bool
	Form        api.OverrideInput
}

// MaxListed bounds the allocations page's list.
const MaxListed = 200

func (h handlers) allocations(c echo.Context) error {
	return h.allocationsPage(c, http.StatusOK, nil, api.OverrideInput{NeedID: c.QueryParam("need_id"), SourceKind: "capacity"})
}

func (h handlers) allocationsPage(c echo.Context, status int, p *problem, form api.OverrideInput) error {
	st := c.QueryParam("status")
	if st != "" && !slices.Contains(allocationStatuses, st) {
		st = ""
	}
	t := tr(c).T
	xs, more, err := h.app.API.Allocations(c.Request().Context(), session(c).Token, st, MaxListed)
	if err != nil {
		return h.fail(c, err, t.Allocations, "/console/allocations")
	}
	if len(xs) > MaxListed {
		xs, more = xs[:MaxListed], true
	}
	v := h.base(c, t.Allocations, "allocations", p, allocationsData{Status: st, Allocations: xs, More: more, Form: form})
	v.Statuses, v.Here = allocationStatuses, "/console/allocations"
	return h.pages.render(c, status, "allocations", v)
}

func (h handlers) makeAllocation(c echo.Context) error {
	in := api.OverrideInput{NeedID: strings.TrimSpace(c.FormValue("need_id")), SourceKind: c.FormValue("source_kind"),
		SourceID: strings.TrimSpace(c.FormValue("source_id")), Reason: c.FormValue("reason")}
	q, err := strconv.ParseInt(strings.TrimSpace(c.FormValue("quantity")), 10, 64)
	if err != nil || q <= 0 {
		t := tr(c).T
		return h.allocationsPage(c, http.StatusUnprocessableEntity, &problem{Heading: t.NotSent, Detail: t.QuantityWhole}, in)
	}
	in.Quantity = q
	a, err := h.app.MakeAllocation(c.Request().Context(), session(c).Token, in)
	if err != nil {
		return h.refusedOr(c, err, "/console/allocations", func(status int, p *problem) error { return h.allocationsPage(c, status, p, in) })
	}
	return c.Redirect(http.StatusSeeOther, storyPath(a.ID)+"?done=made")
}

type storyData struct {
	Story  app.Story
	Reason string
	// Redirect is the redirect form as sent, when the API refused it.
	Redirect redirectForm
}

type redirectForm struct{ NeedID, Reason string }

func (h handlers) story(c echo.Context) error {
	return h.storyPage(c, http.StatusOK, nil, "", redirectForm{})
}

func (h handlers) storyPage(c echo.Context, status int, p *problem, reason string, redirect redirectForm) error {
	t := tr(c).T
	s, err := h.app.Story(c.Request().Context(), session(c).Token, c.Param("id"))
	if err != nil {
		return h.fail(c, err, t.Allocation, "/console/allocations")
	}
	v := h.named(c, h.base(c, fmt.Sprintf(t.AllocationTitle, s.Allocation.ID), "allocations", p, storyData{Story: s, Reason: reason, Redirect: redirect}))
	v.Here = storyPath(c.Param("id"))
	return h.pages.render(c, status, "story", v)
}

func storyPath(id string) string { return "/console/allocations/" + url.PathEscape(id) }

func (h handlers) cancelAllocation(c echo.Context) error {
	reason := c.FormValue("reason")
	_, err := h.app.CancelAllocation(c.Request().Context(), session(c).Token, c.Param("id"), reason)
	if err != nil {
		return h.refusedOr(c, err, storyPath(c.Param("id")), func(status int, p *problem) error { return h.storyPage(c, status, p, reason, redirectForm{}) })
	}
	return c.Redirect(http.StatusSeeOther, storyPath(c.Param("id"))+"?done=cancelled")
}

func (h handlers) redirectAllocation(c echo.Context) error {
	form := redirectForm{NeedID: strings.TrimSpace(c.FormValue("need_id")), Reason: c.FormValue("reason")}
	a, err := h.app.RedirectAllocation(c.Request().Context(), session(c).Token, c.Param("id"), form.NeedID, form.Reason)
	if err != nil {
		return h.refusedOr(c, err, storyPath(c.Param("id")), func(status int, p *problem) error { return h.storyPage(c, status, p, "", form) })
	}
	return c.Redirect(http.StatusSeeOther, storyPath(a.ID)+"?done=redirected")
}

type auditData struct {
	app.AuditState
	EventID string
}

func (h handlers) audit(c echo.Context) error {
	eventID := strings.TrimSpace(c.QueryParam("event_id"))
	t := tr(c).T
	s, err := h.app.AuditState(c.Request().Context(), session(c).Token, c.QueryParam("verify") != "", eventID)
	if err != nil {
		return h.fail(c, err, t.Audit, "/console/audit")
	}
	return h.pages.render(c, http.StatusOK, "audit", h.base(c, t.Audit, "audit", nil, auditData{AuditState: s, EventID: eventID}))
}
