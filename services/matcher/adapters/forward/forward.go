// Package forward carries an HTTP command from a matcher instance to the
// instance holding the lease of the command's item, over NATS
// request-reply: the holder of a partition listens on one subject per item
// it serves (Subject) while it is active, and answers with what its own
// HTTP handler answered. No one listening means no holder is up.
package forward

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/aidflow/aidflow/shared/apperr"
	"github.com/aidflow/aidflow/shared/httpx"
)

// Header names on the NATS messages. The request carries the caller's
// own Authorization, so the holder authenticates and authorizes the
// caller itself, revocations included: a forwarding instance vouches for
// nothing.
const (
	hMethod = "Aidflow-Method"
	hPath   = "Aidflow-Path"
	hStatus = "Aidflow-Status"
)

// ForwardedHeader marks a request a holder received by forwarding: it is
// served where it arrives, never forwarded again.
const ForwardedHeader = "Aidflow-Forwarded"

// requestHeaders travel with a forwarded request; responseHeaders back.
// The Idempotency-Key travels so that the holder, which writes, knows the
// request's key (httpx.RequestKey) and finds a command the first try made
// should it die before either instance recorded the answer; both record
// the same answer under the same key.
var (
	requestHeaders  = []string{"Authorization", "Content-Type", "Accept", "X-Request-Id", httpx.IdempotencyHeader}
	responseHeaders = []string{"Content-Type", "Retry-After"}
)

// ErrNoHolder is returned when no instance serves the item now: its
// partition's holder is down and no standby has taken the lease yet.
var ErrNoHolder = errors.New("no matcher instance holds this item's partition")

// Subject is the command subject of item in the deployment whose database
// is deployment (a key-safe name). It is outside every event stream's
// subjects (aidflow.<service>.>).
func Subject(deployment, item string) string {
	return "aidflow-rpc.matcher." + deployment + "." + item
}

// Client forwards commands.
type Client struct {
	NC         *nats.Conn
	Deployment string
	// Timeout bounds the wait for the holder's answer.
	Timeout time.Duration
}

// Forward sends r (whose body was read into body) to the holder of item
// and returns its answer. ErrNoHolder when nobody listens; a timeout is an
// error too (the command may or may not have been applied: the caller
// retries with the same Idempotency-Key, or reads the allocation).
func (c Client) Forward(ctx context.Context, item string, r *http.Request, body []byte) (*http.Response, error) {
	msg := nats.NewMsg(Subject(c.Deployment, item))
	msg.Header.Set(hMethod, r.Method)
	msg.Header.Set(hPath, r.URL.RequestURI())
	for _, h := range requestHeaders {
		if v := r.Header.Get(h); v != "" {
			msg.Header.Set(h, v)
		}
	}
	msg.Data = body
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	reply, err := c.NC.RequestMsgWithContext(ctx, msg)
	switch {
	case errors.Is(err, nats.ErrNoResponders):
		return nil, fmt.Errorf("%w (item %s)", ErrNoHolder, item)
	case err != nil:
		return nil, fmt.Errorf("forward to the holder of item %s: %w", item, err)
	}
	status, err := strconv.Atoi(reply.Header.Get(hStatus))
	if err != nil {
		return nil, fmt.Errorf("forward to the holder of item %s: answer without a status", item)
	}
	res := &http.Response{StatusCode: status, Header: http.Header{}, Body: io.NopCloser(bytes.NewReader(reply.Data))}
	for _, h := range responseHeaders {
		if v := reply.Header.Get(h); v != "" {
			res.Header.Set(h, v)
		}
	}
	return res, nil
}

// Serve answers the commands of items with h until ctx ends or the
// returned stop is called. Each subject's requests are served one at a
// time, in order (the matcher applies changes one at a time anyway).
func Serve(ctx context.Context, nc *nats.Conn, deployment string, items []string, h http.Handler) (stop func(), err error) {
	var subs []*nats.Subscription
	stop = func() {
		for _, s := range subs {
			_ = s.Unsubscribe()
		}
	}
	for _, item := range items {
		s, err := nc.Subscribe(Subject(deployment, item), func(m *nats.Msg) { answer(ctx, m, h) })
		if err != nil {
			stop()
			return nil, fmt.Errorf("listen for item %s's commands: %w", item, err)
		}
		subs = append(subs, s)
	}
	// Subscriptions are registered with the server before anyone is told
	// this instance is active.
	if err := nc.FlushTimeout(5 * time.Second); err != nil {
		stop()
		return nil, err
	}
	return stop, nil
}

func answer(ctx context.Context, m *nats.Msg, h http.Handler) {
	out := nats.NewMsg(m.Reply)
	r, err := http.NewRequestWithContext(ctx, m.Header.Get(hMethod), m.Header.Get(hPath), bytes.NewReader(m.Data))
	if err != nil {
		p := httpx.ProblemOf(apperr.New(apperr.Invalid, "the forwarded request could not be read"))
		out.Header.Set(hStatus, strconv.Itoa(p.Status))
		out.Header.Set("Content-Type", httpx.ProblemContentType)
		out.Data, _ = json.Marshal(p)
		_ = m.RespondMsg(out)
		return
	}
	for _, name := range requestHeaders {
		if v := m.Header.Get(name); v != "" {
			r.Header.Set(name, v)
		}
	}
	r.Header.Set(ForwardedHeader, "1")
	r.RemoteAddr = "nats"
	w := &recorder{header: http.Header{}, status: http.StatusOK}
	h.ServeHTTP(w, r)
	out.Header.Set(hStatus, strconv.Itoa(w.status))
	for _, name := range responseHeaders {
		if v := w.header.Get(name); v != "" {
			out.Header.Set(name, v)
		}
	}
	out.Data = w.body.Bytes()
	_ = m.RespondMsg(out)
}

// recorder keeps a handler's answer to send it back.
type recorder struct {
	header http.Header
	status int
	wrote  bool
	body   bytes.Buffer
}

func (w *recorder) Header() http.Header { return w.header }

func (w *recorder) WriteHeader(status int) {
	if !w.wrote {
		w.status, w.wrote = status, true
	}
}

func (w *recorder) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.body.Write(b)
}
