package ports

import (
	"fmt"
	"math"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/aidflow/aidflow/shared/apperr"
)

// Limiter decides whether a client (its address) may look up a tracking
// code now; when not, it says how long until it may. It stops anyone from
// enumerating codes through the public lookup. Refund gives back the token
// of a lookup that found a donation: only misses count (see limit).
type Limiter interface {
	Allow(client string) (ok bool, retryAfter time.Duration)
	Refund(client string)
}

// NoLimit lets every lookup through.
type NoLimit struct{}

func (NoLimit) Allow(string) (bool, time.Duration) { return true, 0 }
func (NoLimit) Refund(string)                      {}

// Defaults of the public lookup's limit per client address.
const (
	DefaultLookupsPerMinute = 30
	DefaultLookupBurst      = 10
	// sweepEvery bounds how often idle clients are forgotten.
	sweepEvery = time.Minute
)

// TokenBucket is a Limiter with one token bucket per client: a client may
// make Burst lookups at once, then PerMinute a minute. Buckets that have
// refilled completely are forgotten (at most once a minute), so memory
// follows the clients of the last minute or so, not every address ever
// seen; a forgotten client starts again with a full bucket, which is what
// it would have had anyway.
type TokenBucket struct {
	perSecond float64
	burst     float64
	now       func() time.Time

	mu        sync.Mutex
	buckets   map[string]*bucket
	lastSweep time.Time
}

type bucket struct {
	tokens float64
	at     time.Time
}

// NewTokenBucket limits each client to burst lookups at once and perMinute
// a minute on average. now is the clock (time.Now when nil).
func NewTokenBucket(perMinute, burst int, now func() time.Time) *TokenBucket {
	if now == nil {
		now = time.Now
	}
	return &TokenBucket{perSecond: float64(max(perMinute, 1)) / 60, burst: float64(max(burst, 1)), now: now,
		buckets: map[string]*bucket{}, lastSweep: now()}
}

// Allow takes a token from the client's bucket, or says how long until
// the next one.
func (l *TokenBucket) Allow(client string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if now.Sub(l.lastSweep) >= sweepEvery {
		l.sweep(now)
	}
	b, ok := l.buckets[client]
	if !ok {
		b = &bucket{tokens: l.burst, at: now}
		l.buckets[client] = b
	}
	b.tokens = l.refilled(b, now)
	b.at = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	wait := time.Duration((1 - b.tokens) / l.perSecond * float64(time.Second))
	return false, wait
}

// Refund gives a token back to the client, up to its burst.
func (l *TokenBucket) Refund(client string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if b, ok := l.buckets[client]; ok {
		b.tokens = math.Min(l.burst, b.tokens+1)
	}
}

func (l *TokenBucket) refilled(b *bucket, now time.Time) float64 {
	elapsed := now.Sub(b.at).Seconds()
	if elapsed < 0 {
		elapsed = 0 // a clock stepped back gives nothing
	}
	return math.Min(l.burst, b.tokens+elapsed*l.perSecond)
}

func (l *TokenBucket) sweep(now time.Time) {
	for k, b := range l.buckets {
		if l.refilled(b, now) >= l.burst {
			delete(l.buckets, k)
		}
	}
	l.lastSweep = now
}

// Clients returns how many clients the limiter remembers (for tests).
func (l *TokenBucket) Clients() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

// ClientAddress returns the address a request is limited by. With no
// trusted proxies it is the connection's remote address: X-Forwarded-For
// and X-Real-IP are ignored, since anyone can send them and a new value
// per request would slip past the limit. With trusted proxies (CIDRs of
// the load balancers in front), X-Forwarded-For is read only when the
// connection comes from one of them, right to left, skipping trusted hops:
// the first untrusted address is the client.
func ClientAddress(trusted []*net.IPNet) func(*http.Request) string {
	if len(trusted) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, n := range trusted {
		opts = append(opts, echo.TrustIPRange(n))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}

// ParseCIDRs reads trusted proxy ranges: CIDRs, or single addresses.
func ParseCIDRs(list []string) ([]*net.IPNet, error) {
	var out []*net.IPNet
	for _, s := range list {
		if ip := net.ParseIP(s); ip != nil {
			bits := 128
			if ip.To4() != nil {
				ip, bits = ip.To4(), 32
			}
			out = append(out, &net.IPNet{IP: ip, Mask: net.CIDRMask(bits, bits)})
			continue
		}
		_, n, err := net.ParseCIDR(s)
		if err != nil {
			return nil, fmt.Errorf("%q is neither an address nor a CIDR range", s)
		}
		out = append(out, n)
	}
	return out, nil
}

// clientKey is what a client is counted under: its IPv4 address, or the
// /64 network of an IPv6 address, because one IPv6 subscriber is usually
// given a whole /64 and could otherwise change address per request.
func clientKey(addr string) string {
	ip := net.ParseIP(addr)
	switch {
	case ip == nil:
		return addr
	case ip.To4() != nil:
		return ip.To4().String()
	}
	return ip.Mask(net.CIDRMask(64, 128)).String() + "/64"
}

// limit refuses a lookup past the client's limit: 429 problem+json with
// Retry-After in whole seconds (at least 1). Every lookup takes a token
// before it runs, so parallel requests cannot overdraw the bucket; one
// that finds a donation gives it back afterwards. Only misses count, then:
// guessing codes (nearly all misses) is limited, while a donor or the
// public page following a real code is never held back.
func limit(lim Limiter, client func(*http.Request) string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			key := clientKey(client(c.Request()))
			ok, wait := lim.Allow(key)
			if !ok {
				secs := max(int64(math.Ceil(wait.Seconds())), 1)
				c.Response().Header().Set("Retry-After", strconv.FormatInt(secs, 10))
				return apperr.New(apperr.RateLimited, "too many lookups of unknown tracking codes from this address; try again in %d seconds", secs)
			}
			err := next(c)
			if err == nil && c.Response().Status == http.StatusOK {
				lim.Refund(key)
			}
			return err
		}
	}
}
