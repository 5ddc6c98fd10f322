// Package ports is the audit service's HTTP surface (API.md, "Regulators:
// audit") and its event consumers.
package ports

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/contracts/regions"
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
	authed.GET("/v1/audit/orgs/:id/events", h.orgEvents, reg)
	authed.GET("/v1/audit/verify", h.verify, reg)
	authed.GET("/v1/audit/anomalies", h.listAnomalies, reg)
	authed.POST("/v1/audit/anomalies/:id/review", h.reviewAnomaly, reg)
	// A regulator corrects any record, an organization its own (others'
	// are 404); every role may call.
	authed.POST("/v1/audit/corrections", h.correct)
	authed.GET("/v1/audit/proof/inclusion", h.proveInclusion, reg)
	authed.GET("/v1/audit/proof/consistency", h.proveConsistency, reg)
	public.GET("/v1/public/checkpoint", h.checkpoint)
	// Checkpoints are signed public statements; anyone following the log
	// needs the earlier ones, so the history is public too.
	public.GET("/v1/audit/checkpoints", h.listCheckpoints)
}

// eventJSON is a recorded event: the envelope as recorded, with its index.
type eventJSON struct {
	Index int64 `json:"index"`
	events.Envelope
	// CorrectedBy are the indexes of the records that correct this one.
	CorrectedBy []int64 `json:"corrected_by,omitempty"`
}

func (h handlers) listEvents(c echo.Context) error {
	return h.events(c, c.QueryParam("org_id"), "")
}

// orgEvents is an organization's history: every event that concerns it,
// as the envelope's organization or named in the data (a hospital's
// allocations, whichever service wrote them).
func (h handlers) orgEvents(c echo.Context) error {
	return h.events(c, "", c.Param("id"))
}

func (h handlers) events(c echo.Context, orgID, party string) error {
	p, err := httpx.ParsePage(c)
	if err != nil {
		return err
	}
	q := domain.Query{Type: c.QueryParam("type"), OrgID: orgID, Party: party, Item: c.QueryParam("item"), Region: c.QueryParam("region"), After: -1, Limit: p.Limit}
	var v apperr.Validation
	timeParam := func(name string) time.Time {
		s := c.QueryParam(name)
		if s == "" {
			return time.Time{}
		}
		t, err := time.Parse(time.RFC3339, s)
		v.Check(err == nil, name, "must be an RFC 3339 time such as 2026-03-01T08:00:00Z")
		return t
	}
	q.Since, q.Until = timeParam("since"), timeParam("until")
	v.Check(q.Region == "" || regions.Valid(q.Region), "region", "must be a GB/T 2260 region code such as 420100 (or a province such as 420000)")
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
		items = append(items, eventJSON{Index: l.Index, Envelope: l.Event, CorrectedBy: l.CorrectedBy})
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
	return c.JSON(http.StatusOK, h.checkpointJSON(cp))
}

func (h handlers) checkpointJSON(cp domain.Checkpoint) checkpointJSON {
	return checkpointJSON{
		Origin: cp.Origin, Size: cp.Size, RootHash: cp.Root.String(), Signature: cp.Signature(),
		Note: string(cp.Note), Key: h.app.Signer.VerifierKey(), Time: cp.Time,
	}
}

func (h handlers) listCheckpoints(c echo.Context) error {
	p, err := httpx.ParsePage(c)
	if err != nil {
		return err
	}
	after := int64(-1)
	if p.After != "" {
		n, err := strconv.ParseInt(p.After, 10, 64)
		if err != nil || n < 0 {
			return apperr.New(apperr.Invalid, "cursor is not one this server gave out")
		}
		after = n
	}
	cps, more, err := h.app.ListCheckpoints(c.Request().Context(), after, p.Limit)
	if err != nil {
		return err
	}
	items := make([]checkpointJSON, 0, len(cps))
	for _, cp := range cps {
		items = append(items, h.checkpointJSON(cp))
	}
	next := ""
	if more && len(items) > 0 {
		next = httpx.EncodeCursor(strconv.FormatInt(items[len(items)-1].Size, 10))
	}
	return c.JSON(http.StatusOK, httpx.NewList(items, next))
}

// inclusionJSON proves a record is in the tree a checkpoint signed:
// tlog.CheckRecord(proof, checkpoint.size, checkpoint root, index,
// RecordHash(record)) holds. Hashes are base64.
type inclusionJSON struct {
	EventID    string         `json:"event_id,omitempty"`
	Index      int64          `json:"index"`
	Record     []byte         `json:"record"`
	LeafHash   string         `json:"leaf_hash"`
	TreeSize   int64          `json:"tree_size"`
	Proof      []string       `json:"proof"`
	Checkpoint checkpointJSON `json:"checkpoint"`
}

// consistencyJSON proves the tree of size from is a prefix of the tree of
// size to: tlog.CheckTree(proof, to, to's root, from, from's root).
type consistencyJSON struct {
	From           int64           `json:"from"`
	To             int64           `json:"to"`
	Proof          []string        `json:"proof"`
	FromCheckpoint *checkpointJSON `json:"from_checkpoint,omitempty"`
	ToCheckpoint   checkpointJSON  `json:"to_checkpoint"`
}

func hashes(hs []tlog.Hash) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = h.String()
	}
	return out
}

// intParam reads an optional non-negative integer query parameter.
func intParam(c echo.Context, v *apperr.Validation, name string) int64 {
	s := c.QueryParam(name)
	if s == "" {
		return 0
	}
	n, err := strconv.ParseInt(s, 10, 64)
	v.Check(err == nil && n >= 0, name, "must be a non-negative integer")
	return n
}

func (h handlers) proveInclusion(c echo.Context) error {
	var v apperr.Validation
	id := c.QueryParam("event_id")
	index := intParam(c, &v, "index")
	size := intParam(c, &v, "size")
	v.Check(id != "" || c.QueryParam("index") != "", "event_id", "give event_id or index")
	v.Check(id == "" || c.QueryParam("index") == "", "index", "give event_id or index, not both")
	if err := v.Err(); err != nil {
		return err
	}
	ctx := c.Request().Context()
	var p app.Inclusion
	var err error
	if id != "" {
		p, err = h.app.ProveInclusionOf(ctx, id, size)
	} else {
		p, err = h.app.ProveInclusion(ctx, index, size)
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, inclusionJSON{
		EventID: id, Index: p.Index, Record: p.Record, LeafHash: tlog.RecordHash(p.Record).String(),
		TreeSize: p.Checkpoint.Size, Proof: hashes(p.Proof), Checkpoint: h.checkpointJSON(p.Checkpoint),
	})
}

func (h handlers) proveConsistency(c echo.Context) error {
	var v apperr.Validation
	from := intParam(c, &v, "from")
	to := intParam(c, &v, "to")
	v.Check(c.QueryParam("from") != "", "from", "is required")
	if err := v.Err(); err != nil {
		return err
	}
	p, err := h.app.ProveConsistency(c.Request().Context(), from, to)
	if err != nil {
		return err
	}
	out := consistencyJSON{From: p.From, To: p.To, Proof: hashes(p.Proof), ToCheckpoint: h.checkpointJSON(p.ToCheckpoint)}
	if p.FromCheckpoint != nil {
		fc := h.checkpointJSON(*p.FromCheckpoint)
		out.FromCheckpoint = &fc
	}
	return c.JSON(http.StatusOK, out)
}

// anomalyJSON is a raised anomaly: the anomaly_raised event's data and
// its latest review, if any.
type anomalyJSON struct {
	events.AnomalyRaised
	Reviewed    bool   `json:"reviewed"`
	ReviewNote  string `json:"review_note,omitempty"`
	ReviewedBy  string `json:"reviewed_by,omitempty"`
	ReviewedAt  string `json:"reviewed_at,omitempty"`
	ReviewIndex *int64 `json:"review_index,omitempty"`
}

func newAnomalyJSON(x app.Raised) anomalyJSON {
	j := anomalyJSON{AnomalyRaised: x.Event()}
	if r := x.Review; r != nil {
		j.Reviewed, j.ReviewNote, j.ReviewedBy, j.ReviewedAt = true, r.Note, r.By, r.At.UTC().Format(time.RFC3339)
		j.ReviewIndex = &r.Index
	}
	return j
}

func (h handlers) listAnomalies(c echo.Context) error {
	p, err := httpx.ParsePage(c)
	if err != nil {
		return err
	}
	q := app.AnomalyQuery{Rule: c.QueryParam("rule"), OrgID: c.QueryParam("org_id"), Item: c.QueryParam("item"), After: -1, Limit: p.Limit}
	if p.After != "" {
		n, err := strconv.Atoi(p.After)
		if err != nil || n < 0 {
			return apperr.New(apperr.Invalid, "cursor is not one this server gave out")
		}
		q.After = n
	}
	got, more := h.app.ListAnomalies(q)
	items := make([]anomalyJSON, 0, len(got))
	for _, x := range got {
		items = append(items, newAnomalyJSON(x))
	}
	next := ""
	if more && len(got) > 0 {
		next = httpx.EncodeCursor(strconv.Itoa(got[len(got)-1].Position))
	}
	return c.JSON(http.StatusOK, httpx.NewList(items, next))
}

type correctionRequest struct {
	EventID   string          `json:"event_id"`
	Reason    string          `json:"reason"`
	Corrected json.RawMessage `json:"corrected,omitempty"`
}

func (h handlers) correct(c echo.Context) error {
	var req correctionRequest
	if err := httpx.Bind(c, &req); err != nil {
		return err
	}
	cl := auth.From(c)
	l, err := h.app.Correct(c.Request().Context(), app.CorrectInput{
		EventID: req.EventID, Reason: req.Reason, Corrected: req.Corrected,
		By: cl.OrgID, Regulator: cl.Role == auth.Regulator, Key: httpx.RequestKey(c),
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, eventJSON{Index: l.Index, Envelope: l.Event})
}

type reviewRequest struct {
	Note string `json:"note"`
}

func (h handlers) reviewAnomaly(c echo.Context) error {
	var req reviewRequest
	if err := httpx.Bind(c, &req); err != nil {
		return err
	}
	// Some anomaly ids hold a slash (received_over_consumption's
	// "org/item"): clients escape it as %2F, which the router leaves as is.
	id, err := url.PathUnescape(c.Param("id"))
	if err != nil {
		return apperr.New(apperr.Invalid, "the anomaly id in the path is not validly escaped")
	}
	l, err := h.app.ReviewAnomaly(c.Request().Context(), app.ReviewInput{AnomalyID: id, Note: req.Note, By: auth.From(c).OrgID, Key: httpx.RequestKey(c)})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, eventJSON{Index: l.Index, Envelope: l.Event})
}
