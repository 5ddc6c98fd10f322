package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/aidflow/aidflow/deploy/stack"
	"github.com/aidflow/aidflow/shared/logging"
)

// startStack runs the whole system on a free port with its data in dir;
// env adds service settings, as if from the environment.
func startStack(t *testing.T, dir string, env ...map[string]string) *stack.Stack {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	o := stack.Options{
		Addr:      "127.0.0.1:0",
		DataDir:   dir,
		StateFile: filepath.Join(dir, "local.json"),
		Logger:    logging.New("e2e", testLog{t}, "warn"),
		Env:       map[string]string{},
	}
	for _, e := range env {
		maps.Copy(o.Env, e)
	}
	s, err := stack.Start(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.WaitReady(ctx); err != nil {
		s.Close()
		t.Fatal(err)
	}
	return s
}

type testLog struct{ t *testing.T }

func (w testLog) Write(p []byte) (int, error) {
	w.t.Log(string(bytes.TrimSpace(p)))
	return len(p), nil
}

// client calls the public API as one organization.
type client struct {
	t     *testing.T
	base  string
	token string
}

type answer struct {
	Status      int
	Body        map[string]any
	Raw         []byte
	contentType string
}

func (c client) do(method, path string, body any) answer {
	c.t.Helper()
	var r io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			c.t.Fatal(err)
		}
		r = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, c.base+path, r)
	if err != nil {
		c.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := answer{Status: resp.StatusCode, Raw: raw, contentType: resp.Header.Get("Content-Type")}
	_ = json.Unmarshal(raw, &a.Body)
	return a
}

// must calls and fails the test unless the status is want.
func (c client) must(want int, method, path string, body any) map[string]any {
	c.t.Helper()
	a := c.do(method, path, body)
	if a.Status != want {
		c.t.Fatalf("%s %s: status %d, want %d: %s", method, path, a.Status, want, a.Raw)
	}
	return a.Body
}

func (c client) as(token string) client { return client{t: c.t, base: c.base, token: token} }

// eventually polls until cond holds, failing after a deadline.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	within(t, 20*time.Second, what, cond)
}

// within polls until cond holds, failing after d: for promises with a
// deadline of their own, such as revocation within 5 s.
func within(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func str(m map[string]any, k string) string { s, _ := m[k].(string); return s }

func num(m map[string]any, k string) int64 { f, _ := m[k].(float64); return int64(f) }

func items(m map[string]any) []map[string]any {
	raw, _ := m["items"].([]any)
	out := make([]map[string]any, 0, len(raw))
	for _, x := range raw {
		if o, ok := x.(map[string]any); ok {
			out = append(out, o)
		}
	}
	return out
}
