package ports

import (
	"net/http/httptest"
	"strconv"
	"testing"
	"time"
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
		if got := clientKey(in); got != want {
			t.Errorf("clientKey(%q) = %q, want %q", in, got, want)
		}
	}
}

// BenchmarkTokenBucketAllow measures one lookup's check among 10,000
// remembered clients.
func BenchmarkTokenBucketAllow(b *testing.B) {
	l := NewTokenBucket(DefaultLookupsPerMinute, DefaultLookupBurst, nil)
	clients := make([]string, 10000)
	for i := range clients {
		clients[i] = clientKey("203.0." + strconv.Itoa(i/256) + "." + strconv.Itoa(i%256))
	}
	for i := 0; b.Loop(); i++ {
		l.Allow(clients[i%len(clients)])
	}
}
