package webhook

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aidflow/aidflow/services/notify/domain"
)

func policy(t *testing.T, allow ...string) domain.TargetPolicy {
	t.Helper()
	p, err := domain.ParseTargetPolicy(allow, true)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// The address is checked when it is dialled, after resolution: a name
// that resolves to loopback is refused although the URL named no address
// (what DNS rebinding relies on), and allowed once the list names it.
func TestDialChecksTheResolvedAddress(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_ = c.Close()
		}
	}()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	ctx := context.Background()
	for _, addr := range []string{"127.0.0.1:" + port, "localhost:" + port} {
		if _, err := New(policy(t), time.Second).dial(ctx, "tcp", addr); err == nil || !strings.Contains(err.Error(), "loopback") {
			t.Errorf("%s dialled: %v", addr, err)
		}
		c, err := New(policy(t, "127.0.0.0/8"), time.Second).dial(ctx, "tcp4", addr)
		if err != nil {
			t.Errorf("%s refused although allow-listed: %v", addr, err)
			continue
		}
		_ = c.Close()
	}
	// A listed host name may resolve to what it likes.
	c, err := New(policy(t, "localhost"), time.Second).dial(ctx, "tcp4", "localhost:"+port)
	if err != nil {
		t.Fatalf("listed host refused: %v", err)
	}
	_ = c.Close()
}

func TestSendSignsTimesOutAndFollowsNoRedirect(t *testing.T) {
	var got http.Header
	var body string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/redirect":
			http.Redirect(w, r, "http://169.254.169.254/latest/meta-data", http.StatusFound)
		case "/slow":
			select {
			case <-time.After(2 * time.Second):
			case <-r.Context().Done():
			}
		default:
			got = r.Header.Clone()
			b := make([]byte, r.ContentLength)
			_, _ = r.Body.Read(b)
			body = string(b)
			w.WriteHeader(http.StatusAccepted)
		}
	}))
	defer srv.Close()
	c := New(policy(t, "127.0.0.1"), 200*time.Millisecond)
	s := domain.Subscription{ID: "whk_1", Secret: "whsec_test", URL: srv.URL + "/hook"}
	d := domain.Delivery{ID: "dlv_1", Event: domain.NeedStale, Body: []byte(`{"id":"ntf_1"}`)}
	at := c.Send(context.Background(), s, d)
	if at.StatusCode != 202 || !at.OK() || at.Error != "" {
		t.Fatalf("attempt %+v", at)
	}
	if got.Get(domain.DeliveryHeader) != "dlv_1" || got.Get(domain.EventHeader) != domain.NeedStale || got.Get("Content-Type") != "application/json" || body != `{"id":"ntf_1"}` {
		t.Fatalf("headers %v body %s", got, body)
	}
	if err := domain.VerifySignature("whsec_test", got.Get(domain.SignatureHeader), []byte(body), time.Now(), time.Minute); err != nil {
		t.Fatal(err)
	}

	s.URL = srv.URL + "/redirect"
	if at := c.Send(context.Background(), s, d); at.StatusCode != http.StatusFound || at.OK() {
		t.Fatalf("a redirect is an answer, not followed: %+v", at)
	}
	s.URL = srv.URL + "/slow"
	if at := c.Send(context.Background(), s, d); at.StatusCode != 0 || !strings.Contains(at.Error, "no answer within 200ms") {
		t.Fatalf("timeout: %+v", at)
	}
	s.URL = strings.Replace(srv.URL, "127.0.0.1", "127.0.0.2", 1) + "/hook"
	if at := c.Send(context.Background(), s, d); at.StatusCode != 0 || !strings.Contains(at.Error, "refused") {
		t.Fatalf("a URL the policy refuses: %+v", at)
	}
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	s.URL = closed.URL
	if at := c.Send(context.Background(), s, d); at.StatusCode != 0 || at.Error != "connection refused" {
		t.Fatalf("closed port: %+v", at)
	}
}
