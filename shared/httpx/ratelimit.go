package httpx

// Rate limits: one token bucket per key (an organization, a client
// address), refusing with 429 problem+json and Retry-After. See the
// "Rate limits" decision in shared/README.md.

import (
	"fmt"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/aidflow/aidflow/shared/apperr"
)

// Limiter decides whether a client (a key: an address, an organization)
// may make a request now; when not, it says how long until it may. Refund
// gives a token back, for limits that count only some outcomes (the public
// tracking lookup counts only misses).
type Limiter interface {
	Allow(key string) (ok bool, retryAfter time.Duration)
	Refund(key string)
}

// NoLimit lets every request through.
type NoLimit struct{}

func (NoLimit) Allow(string) (bool, time.Duration) { return true, 0 }
func (NoLimit) Refund(string)                      {}

// sweepEvery bounds how often idle clients are forgotten.
const sweepEvery = time.Minute

// TokenBucket is a Limiter with one token bucket per client: a client may
// make burst requests at once, then perMinute a minute. Buckets that have
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

// NewTokenBucket limits each client to burst requests at once and perMinute
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

// ClientKey is what a client is counted under: its IPv4 address, or the
// /64 network of an IPv6 address, because one IPv6 subscriber is usually
// given a whole /64 and could otherwise change address per request.
func ClientKey(addr string) string {
	ip := net.ParseIP(addr)
	switch {
	case ip == nil:
		return addr
	case ip.To4() != nil:
		return ip.To4().String()
	}
	return ip.Mask(net.CIDRMask(64, 128)).String() + "/64"
}

// Rate is a token-bucket limit: PerMinute requests a minute on average
// after a burst of Burst at once. The zero Rate is no limit.
type Rate struct{ PerMinute, Burst int }

// Off reports whether the rate limits nothing.
func (r Rate) Off() bool { return r.PerMinute <= 0 }

// String is the form ParseRate reads.
func (r Rate) String() string {
	if r.Off() {
		return "off"
	}
	return strconv.Itoa(r.PerMinute) + ":" + strconv.Itoa(r.Burst)
}

// ParseRate reads "off", "<per minute>" or "<per minute>:<burst>"; the
// burst defaults to a tenth of the rate (at least 1).
func ParseRate(s string) (Rate, error) {
	s = strings.TrimSpace(s)
	if s == "off" {
		return Rate{}, nil
	}
	perMinute, burst, hasBurst := strings.Cut(s, ":")
	r := Rate{}
	var err error
	if r.PerMinute, err = strconv.Atoi(strings.TrimSpace(perMinute)); err != nil || r.PerMinute < 1 {
		return Rate{}, fmt.Errorf("%q: want off, <requests per minute> or <requests per minute>:<burst>, both at least 1", s)
	}
	r.Burst = max(r.PerMinute/10, 1)
	if hasBurst {
		if r.Burst, err = strconv.Atoi(strings.TrimSpace(burst)); err != nil || r.Burst < 1 {
			return Rate{}, fmt.Errorf("%q: the burst after ':' must be a whole number of at least 1", s)
		}
	}
	return r, nil
}

// Limiter returns the token buckets of the rate, or NoLimit when it is
// off. now is the clock (time.Now when nil).
func (r Rate) Limiter(now func() time.Time) Limiter {
	if r.Off() {
		return NoLimit{}
	}
	return NewTokenBucket(r.PerMinute, r.Burst, now)
}

// TooManyRequests is the one 429 answer: Retry-After in whole seconds (at
// least 1) and a problem whose detail is format with the seconds appended.
func TooManyRequests(c echo.Context, wait time.Duration, format string, args ...any) error {
	secs := max(int64(math.Ceil(wait.Seconds())), 1)
	c.Response().Header().Set("Retry-After", strconv.FormatInt(secs, 10))
	return apperr.New(apperr.RateLimited, "%s; try again in %d seconds", fmt.Sprintf(format, args...), secs)
}

// LimitBy refuses a request past its key's limit with 429 (TooManyRequests);
// who names the key in the answer ("this organization", "this address").
// A request with an empty key is not limited (no claims: the
// authentication before it answers).
func LimitBy(lim Limiter, key func(echo.Context) string, who string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			k := key(c)
			if k == "" {
				return next(c)
			}
			if ok, wait := lim.Allow(k); !ok {
				return TooManyRequests(c, wait, "too many requests from %s", who)
			}
			return next(c)
		}
	}
}

// AddressKey is the rate-limit key of a request's client address
// (c.RealIP, which New sets to ClientAddress).
func AddressKey(c echo.Context) string { return ClientKey(c.RealIP()) }

// unlimited are the paths no rate limit applies to: probes and metrics
// must answer however busy the clients are.
func unlimited(path string) bool {
	return path == "/healthz" || path == "/readyz" || path == "/metrics"
}
