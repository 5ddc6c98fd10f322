package e2e_test

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aidflow/aidflow/deploy/stack"
	"github.com/aidflow/aidflow/shared/logging"
)

// TestRateLimits runs the stack with tiny limits (a burst of 5 per
// address and 3 per organization, refilling one a minute) and checks
// through the gateway: 429 problem+json with Retry-After past each, a new
// X-Forwarded-For per request does not buy a new bucket, another
// organization keeps its own, and probes are never limited.
func TestRateLimits(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s, err := stack.Start(ctx, stack.Options{
		Addr: "127.0.0.1:0", DataDir: dir, StateFile: filepath.Join(dir, "local.json"),
		Logger: logging.New("e2e", testLog{t}, "warn"),
		Env:    map[string]string{"AIDFLOW_RATE_LIMIT_ADDR": "1:5", "AIDFLOW_RATE_LIMIT_ORG": "1:3"},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	get := func(path, token, xff string) (int, http.Header, map[string]any) {
		t.Helper()
		req, err := http.NewRequest("GET", s.BaseURL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		if xff != "" {
			req.Header.Set("X-Forwarded-For", xff)
			req.Header.Set("X-Real-IP", xff)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&body)
		return resp.StatusCode, resp.Header, body
	}
	limited := func(what string, status int, h http.Header, body map[string]any, who string) {
		t.Helper()
		secs, _ := strconv.Atoi(h.Get("Retry-After"))
		if status != 429 || h.Get("Content-Type") != "application/problem+json" || num(body, "status") != 429 ||
			!strings.Contains(str(body, "detail"), who) || secs < 1 {
			t.Fatalf("%s: %d Retry-After %q %v, want 429 problem+json naming %s", what, status, h.Get("Retry-After"), body, who)
		}
	}

	// Per address, on the public catalog: five, then 429, whatever
	// X-Forwarded-For says (no proxy is trusted).
	for i := range 5 {
		if st, _, b := get("/v1/catalog/items", "", "198.51.100."+strconv.Itoa(i)); st != 200 {
			t.Fatalf("request %d of the burst: %d %v", i+1, st, b)
		}
	}
	for i := range 3 {
		st, h, b := get("/v1/catalog/items", "", "203.0.113."+strconv.Itoa(i))
		limited("a spoofed X-Forwarded-For past the address's burst", st, h, b, "this address")
	}
	for _, p := range []string{"/healthz", "/readyz", "/metrics"} {
		for range 7 {
			if st, _, b := get(p, "", ""); st != 200 {
				t.Fatalf("%s limited: %d %v", p, st, b)
			}
		}
	}

	// Per organization, on demand: three, then 429 for this organization
	// while another one still gets through (demand's address budget of
	// five is then spent exactly: each service counts its own).
	op := client{t: t, base: s.BaseURL, token: s.OperatorToken}
	a := str(op.must(201, "POST", "/v1/orgs", map[string]any{"name": "Wuhan Hospital", "role": "hospital", "region": "420100"}), "token")
	b := str(op.must(201, "POST", "/v1/orgs", map[string]any{"name": "Hangzhou Hospital", "role": "hospital", "region": "330100"}), "token")
	for i := range 3 {
		if st, _, body := get("/v1/needs", a, ""); st != 200 {
			t.Fatalf("request %d of the organization's burst: %d %v", i+1, st, body)
		}
	}
	st, h, body := get("/v1/needs", a, "")
	limited("past the organization's burst", st, h, body, "this organization")
	if st, _, body := get("/v1/needs", b, ""); st != 200 {
		t.Fatalf("another organization: %d %v, want 200", st, body)
	}
}
