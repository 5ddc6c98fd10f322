// Package webhook makes delivery attempts over HTTP: signed, with a
// timeout, never following redirects, and connecting only to addresses
// the target policy allows, checked on the address actually dialled so a
// name that resolves to a private address (DNS rebinding included) is
// refused.
package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"

	"github.com/aidflow/aidflow/services/notify/domain"
)

// DefaultTimeout bounds one attempt, connection to last byte.
const DefaultTimeout = 10 * time.Second

// maxResponse is how much of an answer is read (and discarded), so a
// connection can be reused without reading an endless body.
const maxResponse = 64 << 10

// UserAgent names Aidflow to receivers.
const UserAgent = "Aidflow-Webhooks/1"

// Client sends deliveries.
type Client struct {
	policy  domain.TargetPolicy
	timeout time.Duration
	http    *http.Client
	now     func() time.Time
}

// errRefused marks a connection the target policy refused.
var errRefused = errors.New("refused")

// New returns a client that reaches only what policy allows.
func New(policy domain.TargetPolicy, timeout time.Duration) *Client {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	c := &Client{policy: policy, timeout: timeout, now: time.Now}
	tr := &http.Transport{
		Proxy:                 nil, // a proxy would dial for us, past the policy
		DialContext:           c.dial,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   2,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
	}
	c.http = &http.Client{
		Transport: tr,
		// A redirect could point anywhere; the receiver must answer itself.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return c
}

// dial connects to addr, checking each address the name resolves to as
// it is dialled (Control runs after resolution, before connecting).
func (c *Client) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	d := net.Dialer{
		Timeout: c.timeout,
		Control: func(_, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("%w: %w", errRefused, err)
			}
			if err := c.policy.CheckAddr(host, ap.Addr()); err != nil {
				return fmt.Errorf("%w: %w", errRefused, err)
			}
			return nil
		},
	}
	return d.DialContext(ctx, network, addr)
}

// Send makes one attempt of d to s's URL.
func (c *Client) Send(ctx context.Context, s domain.Subscription, d domain.Delivery) domain.Attempt {
	start := c.now()
	at := domain.Attempt{At: start.UTC().Truncate(time.Millisecond)}
	finish := func() domain.Attempt { at.Duration = c.now().Sub(start); return at }
	u, err := c.policy.CheckURL(s.URL)
	if err != nil {
		at.Error = "refused: the URL " + err.Error()
		return finish()
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(d.Body))
	if err != nil {
		at.Error = "refused: " + err.Error()
		return finish()
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", UserAgent)
	req.Header.Set(domain.DeliveryHeader, d.ID)
	req.Header.Set(domain.EventHeader, d.Event)
	req.Header.Set(domain.SignatureHeader, domain.Sign(s.Secret, c.now(), d.Body))
	resp, err := c.http.Do(req)
	if err != nil {
		at.Error = describe(err, c.timeout)
		return finish()
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponse))
	_ = resp.Body.Close()
	at.StatusCode = resp.StatusCode
	return finish()
}

// describe turns a transport error into a short reason for the delivery
// log, without the URL (the owner knows it).
func describe(err error, timeout time.Duration) string {
	var ne net.Error
	switch {
	case errors.Is(err, errRefused):
		var oe *net.OpError
		if errors.As(err, &oe) && oe.Err != nil {
			return oe.Err.Error()
		}
		return "refused by the target policy"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "no answer within " + timeout.String()
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return "the host name does not resolve (" + dnsErr.Err + ")"
	}
	var ue interface{ Unwrap() error }
	if errors.As(err, &ue) {
		if inner := ue.Unwrap(); inner != nil {
			return inner.Error()
		}
	}
	return err.Error()
}
