package forward_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/aidflow/aidflow/services/matcher/adapters/forward"
	"github.com/aidflow/aidflow/shared/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

func conn(t *testing.T) *nats.Conn {
	t.Helper()
	nc, err := nats.Connect(testkit.NATS(t).URL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return nc
}

// TestForward: the holder's handler sees the caller's method, path, query,
// token, body and Idempotency-Key, marked as forwarded; its status,
// Content-Type, Retry-After and body come back. Only the items served are
// answered.
func TestForward(t *testing.T) {
	nc := conn(t)
	var seen *http.Request
	var seenBody string
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = r
		b, _ := io.ReadAll(r.Body)
		seenBody = string(b)
		w.Header().Set("Content-Type", "application/problem+json")
		w.Header().Set("Retry-After", "7")
		w.Header().Set("X-Internal", "not passed back")
		w.WriteHeader(http.StatusConflict)
		_, _ = io.WriteString(w, `{"status":409}`)
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stop, err := forward.Serve(ctx, nc, "db1", []string{"ventilator"}, h)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	c := forward.Client{NC: nc, Deployment: "db1", Timeout: 5 * time.Second}
	req := httptest.NewRequest("POST", "/v1/allocations/alloc_1/dispatch?x=1", strings.NewReader(`{"shipped_quantity":1}`))
	req.Header.Set("Authorization", "Bearer aft1.token")
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", "k1")
	res, err := c.Forward(ctx, "ventilator", req, []byte(`{"shipped_quantity":1}`))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = res.Body.Close() }()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 409 || string(body) != `{"status":409}` || res.Header.Get("Retry-After") != "7" ||
		res.Header.Get("Content-Type") != "application/problem+json" || res.Header.Get("X-Internal") != "" {
		t.Fatalf("answer %d %v %s", res.StatusCode, res.Header, body)
	}
	if seen.Method != "POST" || seen.URL.RequestURI() != "/v1/allocations/alloc_1/dispatch?x=1" || seenBody != `{"shipped_quantity":1}` ||
		seen.Header.Get("Authorization") != "Bearer aft1.token" || seen.Header.Get(forward.ForwardedHeader) == "" ||
		seen.Header.Get("Idempotency-Key") != "k1" {
		t.Fatalf("the holder saw %s %s %v %q", seen.Method, seen.URL, seen.Header, seenBody)
	}
	send := func(c forward.Client, item string) error {
		res, err := c.Forward(ctx, item, req, nil)
		if res != nil {
			_ = res.Body.Close()
		}
		return err
	}
	// An item no one serves: no holder.
	if err := send(c, "goggles"); !errors.Is(err, forward.ErrNoHolder) {
		t.Fatalf("an item without a holder: %v", err)
	}
	// Another deployment's holder of the same item is not ours.
	other := forward.Client{NC: nc, Deployment: "db2", Timeout: 5 * time.Second}
	if err := send(other, "ventilator"); !errors.Is(err, forward.ErrNoHolder) {
		t.Fatalf("another deployment's holder answered: %v", err)
	}
	stop()
	if err := send(c, "ventilator"); !errors.Is(err, forward.ErrNoHolder) {
		t.Fatalf("a stopped holder answered: %v", err)
	}
}

// TestForwardTimeout: a holder that does not answer in time is a deadline
// error, not ErrNoHolder: the command may have been applied.
func TestForwardTimeout(t *testing.T) {
	nc := conn(t)
	release := make(chan struct{})
	defer close(release)
	ctx := context.Background()
	stop, err := forward.Serve(ctx, nc, "db1", []string{"ventilator"}, http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-release }))
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	c := forward.Client{NC: nc, Deployment: "db1", Timeout: 200 * time.Millisecond}
	res, err := c.Forward(ctx, "ventilator", httptest.NewRequest("POST", "/v1/allocations/a/accept", nil), nil)
	if res != nil {
		_ = res.Body.Close()
	}
	if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, forward.ErrNoHolder) {
		t.Fatalf("a holder too slow: %v", err)
	}
}

// BenchmarkForward is the cost forwarding adds to a command: one request
// and its answer over (embedded) NATS, to a handler that does nothing.
func BenchmarkForward(b *testing.B) {
	nc, err := nats.Connect(testkit.NATS(b).URL())
	if err != nil {
		b.Fatal(err)
	}
	defer nc.Close()
	ctx := context.Background()
	stop, err := forward.Serve(ctx, nc, "db1", []string{"ventilator"}, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"status":"accepted"}`)
	}))
	if err != nil {
		b.Fatal(err)
	}
	defer stop()
	c := forward.Client{NC: nc, Deployment: "db1", Timeout: 5 * time.Second}
	req := httptest.NewRequest("POST", "/v1/allocations/a/accept", nil)
	req.Header.Set("Authorization", "Bearer aft1.token")
	b.ResetTimer()
	for b.Loop() {
		res, err := c.Forward(ctx, "ventilator", req, nil)
		if err != nil {
			b.Fatal(err)
		}
		_ = res.Body.Close()
	}
}
