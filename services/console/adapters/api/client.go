// Package api is the console's only way to data: the public HTTP API at
// the gateway's base URL, called with the signed-in regulator's own token,
// so the console can read and do exactly what that regulator may.
package api

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aidflow/aidflow/services/console/domain"
)

// PageSize is the limit asked of every list: the API's maximum.
const PageSize = 200

// maxBody bounds how much of one answer the console reads.
const maxBody = 8 << 20

// Client calls the API.
type Client struct {
	base string
	http *http.Client
}

// New returns a client of the API at base (e.g. http://gateway:8080).
func New(base string, hc *http.Client) *Client {
	if hc == nil {
		hc = &http.Client{Timeout: 15 * time.Second}
	}
	return &Client{base: strings.TrimRight(base, "/"), http: hc}
}

// do sends one request and decodes a 2xx answer into out (nil: discard).
// A refusal comes back as *domain.APIError; a network failure or an
// answer that is not the API's as a plain error.
func (c *Client) do(ctx context.Context, token, method, path string, q url.Values, body, out any) error {
	u := c.base + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
		// A write retried by a person (a double click, a reload) must not
		// happen twice; the API keeps the first answer under this key.
		req.Header.Set("Idempotency-Key", idempotencyKey())
	}
	resp, err := c.http.Do(req)
	if err != nil {
		// The error names the URL, never the token (it is in a header).
		return fmt.Errorf("the API did not answer: %w", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return fmt.Errorf("reading the API's answer to %s %s: %w", method, path, err)
	}
	if resp.StatusCode >= 300 {
		e := &domain.APIError{}
		if json.Unmarshal(raw, e) != nil || e.Status == 0 {
			e = &domain.APIError{Title: http.StatusText(resp.StatusCode)}
		}
		e.Status = resp.StatusCode
		return e
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("the API's answer to %s %s does not decode: %w", method, path, err)
	}
	return nil
}

func idempotencyKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return "console-" + hex.EncodeToString(b)
}

// Page is one page of a list (API.md: `{items, next}`) and the cursor
// of the next ("" on the last).
type Page[T any] struct {
	Items []T    `json:"items"`
	Next  string `json:"next"`
}

func getPage[T any](ctx context.Context, c *Client, token, path string, q url.Values) (Page[T], error) {
	var p Page[T]
	if err := c.do(ctx, token, http.MethodGet, path, q, nil, &p); err != nil {
		return Page[T]{}, err
	}
	return p, nil
}

// getAll follows a list's pages until it ends or max items are read;
// more says the list went on. Views that add up a whole list are bounded
// by max so a huge list costs a known number of calls.
func getAll[T any](ctx context.Context, c *Client, token, path string, q url.Values, max int) (items []T, more bool, err error) {
	q = clone(q)
	q.Set("limit", strconv.Itoa(PageSize))
	for {
		p, err := getPage[T](ctx, c, token, path, q)
		if err != nil {
			return nil, false, err
		}
		items = append(items, p.Items...)
		if p.Next == "" {
			return items, false, nil
		}
		if len(items) >= max {
			return items, true, nil
		}
		q.Set("cursor", p.Next)
	}
}

func clone(q url.Values) url.Values {
	out := url.Values{}
	for k, v := range q {
		out[k] = append([]string(nil), v...)
	}
	return out
}

// Me is GET /v1/me: who the token belongs to.
func (c *Client) Me(ctx context.Context, token string) (domain.Me, error) {
	var m domain.Me
	err := c.do(ctx, token, http.MethodGet, "/v1/me", nil, nil, &m)
	return m, err
}

// Orgs is GET /v1/orgs (operators and regulators), every page up to max.
func (c *Client) Orgs(ctx context.Context, token string, max int) ([]domain.Me, bool, error) {
	return getAll[domain.Me](ctx, c, token, "/v1/orgs", nil, max)
}

// Capacity is GET /v1/capacity, every page up to max.
func (c *Client) Capacity(ctx context.Context, token string, max int) ([]domain.Capacity, bool, error) {
	return getAll[domain.Capacity](ctx, c, token, "/v1/capacity", nil, max)
}

// DailyCapacity is GET /v1/capacity/daily?days=, every page up to max.
func (c *Client) DailyCapacity(ctx context.Context, token string, days, max int) ([]domain.CapacityDay, bool, error) {
	return getAll[domain.CapacityDay](ctx, c, token, "/v1/capacity/daily", url.Values{"days": {strconv.Itoa(days)}}, max)
}

// DailyNeeds is GET /v1/needs/daily?days=, every page up to max.
func (c *Client) DailyNeeds(ctx context.Context, token string, days, max int) ([]domain.NeedsDay, bool, error) {
	return getAll[domain.NeedsDay](ctx, c, token, "/v1/needs/daily", url.Values{"days": {strconv.Itoa(days)}}, max)
}

// Needs is GET /v1/needs, every page up to max.
func (c *Client) Needs(ctx context.Context, token string, max int) ([]domain.Need, bool, error) {
	return getAll[domain.Need](ctx, c, token, "/v1/needs", nil, max)
}

// Need is GET /v1/needs/{id}.
func (c *Client) Need(ctx context.Context, token, id string) (domain.Need, error) {
	var n domain.Need
	err := c.do(ctx, token, http.MethodGet, "/v1/needs/"+url.PathEscape(id), nil, nil, &n)
	return n, err
}

// Timeline is GET /v1/needs/{id}/timeline, the first max entries.
func (c *Client) Timeline(ctx context.Context, token, needID string, max int) ([]domain.TimelineEntry, bool, error) {
	return getAll[domain.TimelineEntry](ctx, c, token, "/v1/needs/"+url.PathEscape(needID)+"/timeline", nil, max)
}

// Allocations is GET /v1/allocations (optionally ?status=), up to max.
func (c *Client) Allocations(ctx context.Context, token, status string, max int) ([]domain.Allocation, bool, error) {
	q := url.Values{}
	if status != "" {
		q.Set("status", status)
	}
	return getAll[domain.Allocation](ctx, c, token, "/v1/allocations", q, max)
}

// AllocationStats is GET /v1/allocations/stats, every page up to max.
func (c *Client) AllocationStats(ctx context.Context, token string, max int) ([]domain.SourceStats, bool, error) {
	return getAll[domain.SourceStats](ctx, c, token, "/v1/allocations/stats", nil, max)
}

// Allocation is GET /v1/allocations/{id}.
func (c *Client) Allocation(ctx context.Context, token, id string) (domain.Allocation, error) {
	var a domain.Allocation
	err := c.do(ctx, token, http.MethodGet, "/v1/allocations/"+url.PathEscape(id), nil, nil, &a)
	return a, err
}

// OverrideInput is POST /v1/allocations's body (API.md).
type OverrideInput struct {
	NeedID     string `json:"need_id"`
	SourceKind string `json:"source_kind"`
	SourceID   string `json:"source_id"`
	Quantity   int64  `json:"quantity"`
	Reason     string `json:"reason"`
}

// MakeAllocation is POST /v1/allocations: a regulator's override.
func (c *Client) MakeAllocation(ctx context.Context, token string, in OverrideInput) (domain.Allocation, error) {
	var a domain.Allocation
	err := c.do(ctx, token, http.MethodPost, "/v1/allocations", nil, in, &a)
	return a, err
}

// CancelAllocation is POST /v1/allocations/{id}/cancel with a reason.
func (c *Client) CancelAllocation(ctx context.Context, token, id, reason string) (domain.Allocation, error) {
	var a domain.Allocation
	err := c.do(ctx, token, http.MethodPost, "/v1/allocations/"+url.PathEscape(id)+"/cancel", nil, map[string]string{"reason": reason}, &a)
	return a, err
}

// RedirectAllocation is POST /v1/allocations/{id}/redirect: the
// allocation's unshipped units go to another need; the answer is the new
// allocation.
func (c *Client) RedirectAllocation(ctx context.Context, token, id, needID, reason string) (domain.Allocation, error) {
	var a domain.Allocation
	err := c.do(ctx, token, http.MethodPost, "/v1/allocations/"+url.PathEscape(id)+"/redirect", nil, map[string]string{"need_id": needID, "reason": reason}, &a)
	return a, err
}

// EventFilter selects recorded events (GET /v1/audit/events).
type EventFilter struct {
	Type, OrgID, Item, Region, Since, Cursor string
	Limit                                    int
}

// Events is one page of GET /v1/audit/events.
func (c *Client) Events(ctx context.Context, token string, f EventFilter) (Page[domain.Event], error) {
	q := url.Values{}
	for k, v := range map[string]string{"type": f.Type, "org_id": f.OrgID, "item": f.Item, "region": f.Region, "since": f.Since, "cursor": f.Cursor} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if f.Limit > 0 {
		q.Set("limit", strconv.Itoa(f.Limit))
	}
	return getPage[domain.Event](ctx, c, token, "/v1/audit/events", q)
}

// Anomalies is GET /v1/audit/anomalies, up to max.
func (c *Client) Anomalies(ctx context.Context, token string, max int) ([]domain.Anomaly, bool, error) {
	return getAll[domain.Anomaly](ctx, c, token, "/v1/audit/anomalies", nil, max)
}

// ReviewAnomaly is POST /v1/audit/anomalies/{id}/review with a note.
func (c *Client) ReviewAnomaly(ctx context.Context, token, id, note string) error {
	return c.do(ctx, token, http.MethodPost, "/v1/audit/anomalies/"+url.PathEscape(id)+"/review", nil, map[string]string{"note": note}, nil)
}

// Checkpoint is GET /v1/public/checkpoint; ok is false when none is signed yet.
func (c *Client) Checkpoint(ctx context.Context) (cp domain.Checkpoint, ok bool, err error) {
	err = c.do(ctx, "", http.MethodGet, "/v1/public/checkpoint", nil, nil, &cp)
	var ae *domain.APIError
	if errors.As(err, &ae) && ae.Status == http.StatusNotFound {
		return cp, false, nil
	}
	return cp, err == nil, err
}

// Verify is GET /v1/audit/verify.
func (c *Client) Verify(ctx context.Context, token string) (domain.Verification, error) {
	var v domain.Verification
	err := c.do(ctx, token, http.MethodGet, "/v1/audit/verify", nil, nil, &v)
	return v, err
}

// InclusionProof is GET /v1/audit/proof/inclusion?event_id=.
func (c *Client) InclusionProof(ctx context.Context, token, eventID string) (domain.InclusionProof, error) {
	var p domain.InclusionProof
	err := c.do(ctx, token, http.MethodGet, "/v1/audit/proof/inclusion", url.Values{"event_id": {eventID}}, nil, &p)
	return p, err
}
