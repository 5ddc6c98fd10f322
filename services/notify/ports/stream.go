package ports

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/aidflow/aidflow/services/notify/domain"
	"github.com/aidflow/aidflow/shared/apperr"
	"github.com/aidflow/aidflow/shared/auth"
)

// revocationCheck is how often an open stream asks the verifier whether
// its token was revoked.
const revocationCheck = time.Second

// stream is GET /v1/me/stream: the organization's notifications as
// Server-Sent Events (event: the type, id: the feed sequence, data: the
// notification JSON, the same a webhook receives). Last-Event-ID resumes
// after that id from the backlog kept (0: all of it). A comment line every
// heartbeat keeps it open; it ends soon after its token is revoked.
func (h handlers) stream(c echo.Context) error {
	var last int64
	resume := false
	if s := strings.TrimSpace(c.Request().Header.Get("Last-Event-ID")); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			return &apperr.Error{Code: apperr.Invalid, Message: "Last-Event-ID must be the id of an event this stream sent (a whole number)",
				Fields: []apperr.FieldError{{Field: "Last-Event-ID", Message: "must be a whole number of 0 or more"}}}
		}
		last, resume = n, true
	}
	claims := auth.From(c)
	ctx := c.Request().Context()
	st, err := h.app.OpenStream(ctx, claims, last, resume)
	if err != nil {
		return err
	}
	defer st.Close()
	w := c.Response()
	w.Header().Set(echo.HeaderContentType, "text/event-stream; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("X-Accel-Buffering", "no") // nginx-style proxies: do not buffer
	w.WriteHeader(http.StatusOK)
	if _, err := fmt.Fprint(w, "retry: 2000\n\n"); err != nil {
		return nil
	}
	send := func(e domain.FeedEntry) error {
		if e.Seq <= last {
			return nil // in the backlog and live both
		}
		last = e.Seq
		_, err := fmt.Fprintf(w, "event: %s\nid: %d\ndata: %s\n\n", e.Notification.Type, e.Seq, e.Notification.Body())
		return err
	}
	for _, e := range st.Backlog {
		if send(e) != nil {
			return nil
		}
	}
	w.Flush()
	beat := time.NewTicker(h.heartbeat)
	defer beat.Stop()
	check := time.NewTicker(revocationCheck)
	defer check.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-st.Ended:
			return nil // too slow to keep up, or stopping: the client reconnects with Last-Event-ID
		case e := <-st.Live:
			if send(e) != nil {
				return nil
			}
			w.Flush()
		case <-check.C:
			if h.verifier != nil && h.verifier.Revoked(claims.TokenID) {
				_, _ = fmt.Fprint(w, "event: revoked\ndata: {}\n\n")
				w.Flush()
				return nil
			}
		case <-beat.C:
			if _, err := fmt.Fprint(w, ": heartbeat\n\n"); err != nil {
				return nil
			}
			w.Flush()
		}
	}
}
