package httpx

import (
	"encoding/json"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time           { return c.t }
func (c *clock) advance(d time.Duration)  { c.t = c.t.Add(d) }
func newClock() *clock                    { return &clock{t: time.Date(2020, 2, 3, 8, 0, 0, 0, time.UTC)} }
func allow(l Limiter, client string) bool { ok, _ := l.Allow(client); return ok }
func waitOf(l Limiter, client string) int64 {
	_, w := l.Allow(client)
	return int64(w / time.Millisecond)
}

func TestTokenBucket(t *testing.T) {
	c := newClock()
	l := NewTokenBucket(30, 3, c.now) // a token every 2 s, 3 at once
	for i := range 3 {
		if !allow(l, "a") {
			t.Fatalf("lookup %d of the burst refused", i+1)
		}
	}
	ok, wait := l.Allow("a")
	if ok || wait != 2*time.Second {
		t.Fatalf("past the burst: %v, retry after %v; want refused, 2s", ok, wait)
	}
	if !allow(l, "b") {
		t.Fatal("another client is counted apart")
	}
	c.advance(1500 * time.Millisecond)
	if ms := waitOf(l, "a"); ms != 500 {
		t.Fatalf("retry after %d ms, want 500", ms)
	}
	c.advance(500 * time.Millisecond)
	if !allow(l, "a") || allow(l, "a") {
		t.Fatal("one token after 2 s, and only one")
	}
	// An hour idle refills to the burst, not beyond.
	c.advance(time.Hour)
	for i := range 3 {
		if !allow(l, "a") {
			t.Fatalf("lookup %d after an idle hour refused", i+1)
		}
	}
	if allow(l, "a") {
		t.Fatal("the bucket filled beyond its burst")
	}
	// A refund gives a token back, never beyond the burst.
	l.Refund("a")
	if !allow(l, "a") || allow(l, "a") {
		t.Fatal("one refunded token, and only one")
	}
	for range 10 {
		l.Refund("b")
	}
	for range 3 {
		allow(l, "b")
	}
	if allow(l, "b") {
		t.Fatal("refunds filled the bucket beyond its burst")
	}
	// A clock stepping back gives no tokens.
	c.advance(-time.Hour)
	if allow(l, "a") {
		t.Fatal("a clock stepped back refilled the bucket")
	}
}

func TestTokenBucketForgetsIdleClients(t *testing.T) {
	c := newClock()
	l := NewTokenBucket(60, 2, c.now)
	for i := range 100 {
		l.Allow(string(rune('A' + i)))
	}
	l.Allow("busy")
	l.Allow("busy")
	if n := l.Clients(); n != 101 {
		t.Fatalf("%d clients", n)
	}
	c.advance(time.Minute)
	l.Allow("busy") // sweeps: every bucket refilled a minute later
	if n := l.Clients(); n != 1 {
		t.Errorf("%d clients remembered after a quiet minute, want 1", n)
	}
}

func TestClientAddress(t *testing.T) {
	nets, err := ParseCIDRs([]string{"10.0.0.0/8", "2001:db8::1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseCIDRs([]string{"10.0.0.0/33"}); err == nil {
		t.Error("a bad range is refused")
	}
	tests := []struct {
		name    string
		trusted bool
		remote  string
		xff     string
		want    string
	}{
		{"direct", false, "203.0.113.7:5000", "", "203.0.113.7"},
		{"a forged header is ignored without trusted proxies", false, "203.0.113.7:5000", "198.51.100.1", "203.0.113.7"},
		{"a private peer is not trusted by default", false, "10.1.2.3:5000", "198.51.100.1", "10.1.2.3"},
		{"a trusted proxy's header is read", true, "10.1.2.3:5000", "198.51.100.1", "198.51.100.1"},
		{"the client's own forged hop is skipped", true, "10.1.2.3:5000", "6.6.6.6, 198.51.100.1", "198.51.100.1"},
		{"trusted hops are skipped", true, "10.1.2.3:5000", "198.51.100.1, 10.9.9.9", "198.51.100.1"},
		{"an untrusted peer's header is ignored", true, "203.0.113.7:5000", "198.51.100.1", "203.0.113.7"},
		{"a trusted IPv6 proxy", true, "[2001:db8::1]:443", "198.51.100.1", "198.51.100.1"},
	}
	for _, tt := range tests {
		var trusted = nets
		if !tt.trusted {
			trusted = nil
		}
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tt.remote
		if tt.xff != "" {
			r.Header.Set("X-Forwarded-For", tt.xff)
		}
		r.Header.Set("X-Real-IP", "192.0.2.99")
		if got := ClientAddress(trusted)(r); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestClientKey(t *testing.T) {
	for in, want := range map[string]string{
		"203.0.113.7":          "203.0.113.7",
		"::ffff:203.0.113.7":   "203.0.113.7",
		"2001:db8:1:2:3:4:5:6": "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::9": "2001:db8:1:2::/64",
		"":                     "",
	} {
		if got := ClientKey(in); got != want {
			t.Errorf("ClientKey(%q) = %q, want %q", in, got, want)
		}
	}
}

// BenchmarkTokenBucketAllow measures one lookup's check among 10,000
// remembered clients.
func BenchmarkTokenBucketAllow(b *testing.B) {
	l := NewTokenBucket(600, 60, nil)
	clients := make([]string, 10000)
	for i := range clients {
		clients[i] = ClientKey("203.0." + strconv.Itoa(i/256) + "." + strconv.Itoa(i%256))
	}
	for i := 0; b.Loop(); i++ {
		l.Allow(clients[i%len(clients)])
	}
}

func TestParseRate(t *testing.T) {
	for in, want := range map[string]Rate{
		"off":        {},
		"600":        {600, 60},
		"5":          {5, 1},
		" 120 : 7 ":  {120, 7},
		"3000:300":   {3000, 300},
		"12000:1200": {12000, 1200},
	} {
		got, err := ParseRate(in)
		if err != nil || got != want {
			t.Errorf("ParseRate(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "0", "-5", "ten", "60:0", "60:", "60:x", "1.5"} {
		if _, err := ParseRate(bad); err == nil {
			t.Errorf("ParseRate(%q) accepted", bad)
		}
	}
	if (Rate{}).Limiter(nil) != (NoLimit{}) {
		t.Error("the zero rate limits")
	}
	if r, _ := ParseRate("60:2"); r.String() != "60:2" {
		t.Errorf("String: %q", r.String())
	}
}

// TestAddressLimit drives New's per-address limit: a client past its
// burst gets 429 problem+json with Retry-After, a new X-Forwarded-For per
// request from an untrusted peer lands in the same bucket, another address
// has its own, and probes are never limited.
func TestAddressLimit(t *testing.T) {
	c := newClock()
	e := New(Options{Service: "t", AddressLimit: NewTokenBucket(60, 2, c.now)})
	e.GET("/v1/x", func(c echo.Context) error { return c.String(200, "ok") })
	call := func(path, remote, xff string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", path, nil)
		r.RemoteAddr = remote
		if xff != "" {
			r.Header.Set("X-Forwarded-For", xff)
			r.Header.Set("X-Real-IP", xff)
		}
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, r)
		return rec
	}
	for i, xff := range []string{"", "198.51.100.1"} {
		if rec := call("/v1/x", "203.0.113.7:4000", xff); rec.Code != 200 {
			t.Fatalf("request %d of the burst: %d", i+1, rec.Code)
		}
	}
	for i := range 5 {
		rec := call("/v1/x", "203.0.113.7:4001", "198.51.100."+strconv.Itoa(10+i))
		var p Problem
		_ = json.Unmarshal(rec.Body.Bytes(), &p)
		if rec.Code != 429 || rec.Header().Get("Content-Type") != ProblemContentType || p.Status != 429 ||
			!strings.Contains(p.Detail, "this address") || rec.Header().Get("Retry-After") != "1" {
			t.Fatalf("spoofed X-Forwarded-For %d past the burst: %d %s Retry-After %q", i, rec.Code, rec.Body, rec.Header().Get("Retry-After"))
		}
	}
	for _, p := range []string{"/healthz", "/readyz", "/metrics"} {
		if rec := call(p, "203.0.113.7:4002", ""); rec.Code != 200 {
			t.Errorf("%s limited: %d", p, rec.Code)
		}
	}
	if rec := call("/v1/x", "198.51.100.2:4000", ""); rec.Code != 200 {
		t.Errorf("another address is limited apart: %d", rec.Code)
	}
	c.advance(time.Second)
	if rec := call("/v1/x", "203.0.113.7:4003", ""); rec.Code != 200 {
		t.Errorf("a token a second later: %d", rec.Code)
	}
}

// TestAddressLimitBehindATrustedProxy: behind a trusted proxy the bucket
// is the forwarded client's, whichever proxy instance it came through.
func TestAddressLimitBehindATrustedProxy(t *testing.T) {
	nets, err := ParseCIDRs([]string{"10.0.0.0/8"})
	if err != nil {
		t.Fatal(err)
	}
	e := New(Options{Service: "t", TrustedProxies: nets, AddressLimit: NewTokenBucket(60, 1, newClock().now)})
	e.GET("/v1/x", func(c echo.Context) error { return c.String(200, "ok") })
	call := func(remote, xff string) int {
		r := httptest.NewRequest("GET", "/v1/x", nil)
		r.RemoteAddr = remote
		r.Header.Set("X-Forwarded-For", xff)
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, r)
		return rec.Code
	}
	if code := call("10.0.0.5:80", "198.51.100.1"); code != 200 {
		t.Fatalf("first: %d", code)
	}
	if code := call("10.0.0.6:80", "198.51.100.1"); code != 429 {
		t.Errorf("the same client through another proxy: %d, want 429", code)
	}
	if code := call("10.0.0.5:80", "6.6.6.6, 198.51.100.1"); code != 429 {
		t.Errorf("a hop the client wrote itself changed the bucket: %d, want 429", code)
	}
	if code := call("10.0.0.5:80", "198.51.100.2"); code != 200 {
		t.Errorf("another client behind the same proxy: %d, want 200", code)
	}
}
