package service_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/contracts/openapi/conform"
	"github.com/aidflow/aidflow/services/notify/domain"
	"github.com/aidflow/aidflow/services/notify/service"
	"github.com/aidflow/aidflow/shared/testkit"
)

// env is one notify service on a fresh NATS and database.
type env struct {
	t    testing.TB
	cfg  service.Config
	m    *service.Main
	stop func()
	iss  *testkit.Issuer
	doc  *conform.Checker
}

// fastConfig makes every duration short enough for a test, and allows
// deliveries to 127.0.0.1 only (the receivers below).
func fastConfig(t testing.TB, iss *testkit.Issuer) service.Config {
	cfg := service.Config{
		Platform:    testkit.PlatformConfig(t, service.Name, iss),
		Allow:       []string{"127.0.0.1"},
		AllowPublic: true,
		Timeout:     300 * time.Millisecond,
		Retry:       domain.Retry{Base: 40 * time.Millisecond, Max: 200 * time.Millisecond, Period: time.Minute, PauseAfter: 0},
		PerOrg:      3, Backlog: 50, Streams: 2,
		Heartbeat:        100 * time.Millisecond,
		ExpiringWithin:   time.Hour,
		ExpiringSchedule: "@every 1s",
	}
	cfg.Platform.HTTPAddr = ""
	return cfg
}

func boot(t testing.TB, change ...func(*service.Config)) *env {
	t.Helper()
	iss := testkit.NewIssuer(t)
	cfg := fastConfig(t, iss)
	for _, c := range change {
		c(&cfg)
	}
	e := &env{t: t, cfg: cfg, iss: iss, doc: testkit.Checker(t, service.Name)}
	e.start()
	return e
}

// start opens and runs the service on e's configuration (its data too).
func (e *env) start() {
	e.t.Helper()
	e.m, e.stop = testkit.Open(e.t, service.Open, e.cfg)
}

func (e *env) call(t testing.TB, method, path, token, body string) (int, map[string]any) {
	t.Helper()
	r := testkit.Call(t, e.m.Handler(), e.doc, method, path, token, body)
	return r.Status, r.Object()
}

// subscribe creates a webhook and returns its id and secret.
func (e *env) subscribe(t testing.TB, token, target string, evs ...string) (id, secret string) {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"url": target, "events": evs})
	code, out := e.call(t, "POST", "/v1/webhooks", token, string(b))
	if code != 201 {
		t.Fatalf("subscribe: %d %v", code, out)
	}
	return out["id"].(string), out["secret"].(string)
}

func (e *env) publish(t testing.TB, ev events.Envelope) {
	t.Helper()
	testkit.Publish(t, e.m.P.Bus, ev)
}

// allocation is an allocation_* event of allocation id for hospital hosp
// from source org src.
func allocation(typ, id, hosp, src, kind string, version int64) events.Envelope {
	a := events.Allocation{AllocationID: id, Version: version, NeedID: "need-" + id, HospitalID: hosp, HospitalRegion: "420100",
		Item: "n95-respirator", Quantity: 100, SourceKind: kind, SourceID: "src-" + id, SourceOrgID: src, SourceRegion: "330100",
		Status: map[string]string{events.AllocationProposedType: "proposed", events.AllocationDispatchedType: "dispatched",
			events.AllocationAcceptedType: "accepted", events.AllocationCancelledType: "cancelled"}[typ],
		DecidedBy: "policy", Reason: "rule", StatusReason: "phone 13800138000", CreatedAt: "2026-03-01T08:00:00Z", UpdatedAt: "2026-03-01T08:00:00Z"}
	return events.MustNew("matcher", events.AllocationEvent{Type: typ, Allocation: a},
		events.Meta{ID: fmt.Sprintf("%s-%s-v%d", id, typ, version), Subject: id, OrgID: src, Item: a.Item})
}

// receiver is a webhook endpoint: it checks every delivery's signature,
// records what it got, applies each delivery once (by Aidflow-Delivery),
// and answers what respond says.
type receiver struct {
	srv *httptest.Server

	mu       sync.Mutex
	secret   string
	respond  func(n int) (status int, delay time.Duration) // n: the request's number, from 1
	requests []received
	effects  map[string]int // delivery id -> times applied
	applied  []received     // in the order applied
	badSigs  int
}

type received struct {
	Delivery, Event string
	Body            map[string]any
}

func newReceiver(t testing.TB) *receiver {
	r := &receiver{effects: map[string]int{}, respond: func(int) (int, time.Duration) { return 204, 0 }}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	secret, respond := r.secret, r.respond
	var m map[string]any
	_ = json.Unmarshal(body, &m)
	got := received{Delivery: req.Header.Get(domain.DeliveryHeader), Event: req.Header.Get(domain.EventHeader), Body: m}
	r.requests = append(r.requests, got)
	n := len(r.requests)
	if domain.VerifySignature(secret, req.Header.Get(domain.SignatureHeader), body, time.Now(), 5*time.Minute) != nil ||
		req.Method != http.MethodPost || req.Header.Get("Content-Type") != "application/json" {
		r.badSigs++
		r.mu.Unlock()
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	r.mu.Unlock()
	status, delay := respond(n)
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-req.Context().Done():
			return
		}
	}
	if status >= 200 && status < 300 {
		r.mu.Lock()
		if r.effects[got.Delivery] == 0 { // the receiver's idempotency: one effect per delivery id
			r.applied = append(r.applied, got)
		}
		r.effects[got.Delivery]++
		r.mu.Unlock()
	}
	w.WriteHeader(status)
}

func (r *receiver) url() string { return r.srv.URL + "/hook" }

func (r *receiver) setSecret(s string) { r.mu.Lock(); r.secret = s; r.mu.Unlock() }

func (r *receiver) setRespond(f func(n int) (int, time.Duration)) {
	r.mu.Lock()
	r.respond = f
	r.mu.Unlock()
}

func (r *receiver) appliedEvents() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, a := range r.applied {
		out = append(out, a.Event+" "+a.Body["subject"].(string))
	}
	return out
}

func (r *receiver) snapshot() (requests []received, effects map[string]int, bad int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	effects = map[string]int{}
	for k, v := range r.effects {
		effects[k] = v
	}
	return append([]received(nil), r.requests...), effects, r.badSigs
}

// sse reads a live stream.
type sse struct {
	resp   *http.Response
	events chan sseEvent
}

type sseEvent struct {
	ID, Event string
	Data      map[string]any
}

// openStream opens GET /v1/me/stream on a real server; lastID "" sends no Last-Event-ID.
func openStream(t *testing.T, base, token, lastID string) (*sse, int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", base+"/v1/me/stream", nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := http.DefaultClient.Do(req) //nolint:bodyclose // closed here on error, else by Cleanup once the stream is read
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 {
		_ = resp.Body.Close()
		return nil, resp.StatusCode
	}
	s := &sse{resp: resp, events: make(chan sseEvent, 100)}
	go func() {
		defer close(s.events)
		sc := bufio.NewScanner(resp.Body)
		var ev sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if ev.Event != "" {
					s.events <- ev
				}
				ev = sseEvent{}
			case strings.HasPrefix(line, "event: "):
				ev.Event = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "id: "):
				ev.ID = strings.TrimPrefix(line, "id: ")
			case strings.HasPrefix(line, "data: "):
				_ = json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &ev.Data)
			}
		}
	}()
	t.Cleanup(func() { _ = resp.Body.Close() })
	return s, 200
}

// next waits for the next event; ok is false when the stream ended.
func (s *sse) next(t *testing.T) (sseEvent, bool) {
	t.Helper()
	select {
	case ev, ok := <-s.events:
		return ev, ok
	case <-time.After(10 * time.Second):
		t.Fatal("no event on the stream within 10s")
		return sseEvent{}, false
	}
}
