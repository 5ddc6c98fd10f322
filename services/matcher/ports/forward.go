package ports

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/aidflow/aidflow/services/matcher/app"
	"github.com/aidflow/aidflow/services/matcher/domain"
	"github.com/aidflow/aidflow/shared/apperr"
	"github.com/aidflow/aidflow/shared/httpx"
)

// Forwarder sends a command to the instance holding the lease of an
// item's partition and returns its answer (adapters/forward).
type Forwarder interface {
	Forward(ctx context.Context, item string, r *http.Request, body []byte) (*http.Response, error)
}

// Partitions lets an instance of one partition take the commands of every
// item: a command on an allocation or a need of an item it does not serve
// goes to that item's holder, with the caller's token, and the holder's
// answer (status and body) is the answer. Reads need none of this: every
// instance's read view holds every partition's allocations.
type Partitions struct {
	Forwarder Forwarder
	// NeedItem is the item of a need of any partition (the store, by
	// _id); ok false when there is no such need.
	NeedItem func(ctx context.Context, id string) (item string, ok bool, err error)
	// RetryAfter is what a caller is told to wait when no holder answers:
	// a standby takes over within a lease TTL.
	RetryAfter time.Duration
	// Forwarded reports whether a request was forwarded to this instance
	// already: it is served here, never sent on.
	Forwarded func(*http.Request) bool
}

// forward returns a middleware that sends the request to the holder of
// the item itemOf finds, when this instance does not serve it. An item not
// found (no such allocation or need) is answered here, as without
// partitions.
func (p *Partitions) forward(a *app.App, itemOf func(c echo.Context, body []byte) (string, bool, error)) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if p == nil || p.Forwarder == nil || a.Partition.Whole() || p.Forwarded(c.Request()) {
				return next(c)
			}
			req := c.Request()
			body, err := io.ReadAll(req.Body)
			if err != nil {
				return err // the body limit's 413
			}
			req.Body = io.NopCloser(bytes.NewReader(body))
			item, ok, err := itemOf(c, body)
			if err != nil {
				return apperr.Wrap(apperr.Unavailable, err, "the item of this request could not be read; retry")
			}
			if !ok || a.Partition.Serves(item) {
				return next(c)
			}
			res, err := p.Forwarder.Forward(req.Context(), item, req, body)
			if errors.Is(err, context.DeadlineExceeded) {
				// The holder may have applied it: not a 503, which the
				// ingress retries on another instance (a dispatch counts
				// its shipment again).
				out, _ := json.Marshal(httpx.Problem{Type: "urn:aidflow:problem:timeout", Title: http.StatusText(http.StatusGatewayTimeout),
					Status: http.StatusGatewayTimeout, Instance: req.URL.Path,
					Detail: "the matcher instance serving " + item + " did not answer in time; the command may have been applied: read the allocation before sending it again"})
				return c.Blob(http.StatusGatewayTimeout, httpx.ProblemContentType, out)
			}
			if err != nil {
				secs := strconv.Itoa(int(math.Ceil(p.RetryAfter.Seconds())))
				c.Response().Header().Set("Retry-After", secs)
				return apperr.Wrap(apperr.Unavailable, err,
					"the matcher instance serving %s is not answering (a standby takes over after a failure); retry in %s seconds", item, secs)
			}
			defer func() { _ = res.Body.Close() }()
			out, err := io.ReadAll(res.Body)
			if err != nil {
				return err
			}
			for name, vs := range res.Header {
				for _, v := range vs {
					c.Response().Header().Add(name, v)
				}
			}
			return c.Blob(res.StatusCode, res.Header.Get(echo.HeaderContentType), out)
		}
	}
}

// allocationItem is the item of the allocation in the path: from the read
// view, or the store when the view has not seen it yet.
func allocationItem(a *app.App) func(echo.Context, []byte) (string, bool, error) {
	return func(c echo.Context, _ []byte) (string, bool, error) {
		id := c.Param("id")
		if al, ok := a.View.Allocation(id); ok {
			return al.Item, true, nil
		}
		al, err := a.Repo.GetAllocation(c.Request().Context(), id)
		if errors.Is(err, domain.ErrAllocationNotFound) {
			return "", false, nil
		}
		if err != nil {
			return "", false, err
		}
		return al.Item, true, nil
	}
}

// overrideNeedItem is the item of the need an override names: this
// partition's book, or the store. An unreadable body is answered here
// (400, as without partitions).
func (p *Partitions) overrideNeedItem(a *app.App) func(echo.Context, []byte) (string, bool, error) {
	return func(c echo.Context, body []byte) (string, bool, error) {
		var req struct {
			NeedID string `json:"need_id"`
		}
		if !json.Valid(body) {
			return "", false, nil // answered here: 400
		}
		_ = json.Unmarshal(body, &req) // a need_id that is not a string is answered here too
		if req.NeedID == "" {
			return "", false, nil
		}
		if n, ok := a.Book.Need(req.NeedID); ok {
			return n.Item, true, nil
		}
		return p.NeedItem(c.Request().Context(), req.NeedID)
	}
}
