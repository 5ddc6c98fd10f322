package httpx_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/aidflow/aidflow/shared/apperr"
	"github.com/aidflow/aidflow/shared/httpx"
)

type postBody struct {
	Item     string `json:"item"`
	Quantity int64  `json:"quantity"`
}

func newServer(t *testing.T) *echo.Echo {
	t.Helper()
	e := httpx.New(httpx.Options{Service: "test", BodyLimit: "1K"})
	created := 0
	idem := httpx.Idempotency(&httpx.MemoryIdempotencyStore{}, func(c echo.Context) string { return c.Request().Header.Get("X-Org") })
	e.POST("/things", func(c echo.Context) error {
		var b postBody
		if err := httpx.Bind(c, &b); err != nil {
			return err
		}
		var v apperr.Validation
		v.Check(b.Quantity > 0, "quantity", "must be positive")
		if err := v.Err(); err != nil {
			return err
		}
		created++
		return c.JSON(http.StatusCreated, map[string]int{"n": created})
	}, idem)
	e.GET("/crash", func(c echo.Context) error { panic("boom") })
	e.GET("/missing", func(c echo.Context) error { return apperr.New(apperr.NotFound, "no need n1") })
	return e
}

func do(e *echo.Echo, method, path, body string, hdr ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	return rec
}

func problem(t *testing.T, rec *httptest.ResponseRecorder) httpx.Problem {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); ct != httpx.ProblemContentType {
		t.Fatalf("content type = %q, body %s", ct, rec.Body)
	}
	var p httpx.Problem
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestErrorsBecomeProblems(t *testing.T) {
	e := newServer(t)
	tests := []struct {
		name, method, path, body string
		status                   int
		field                    string
	}{
		{"syntax", "POST", "/things", `{"item":`, 400, ""},
		{"wrong type", "POST", "/things", `{"quantity":"ten"}`, 400, "quantity"},
		{"unknown field (mass assignment)", "POST", "/things", `{"quantity":1,"status":"fulfilled"}`, 400, "status"},
		{"two values", "POST", "/things", `{"quantity":1}{}`, 400, ""},
		{"empty", "POST", "/things", ``, 400, ""},
		{"rule", "POST", "/things", `{"quantity":0}`, 422, "quantity"},
		{"too large", "POST", "/things", `{"item":"` + strings.Repeat("x", 2048) + `"}`, 413, ""},
		{"not found app error", "GET", "/missing", ``, 404, ""},
		{"no route", "GET", "/nowhere", ``, 404, ""},
		{"panic", "GET", "/crash", ``, 500, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := do(e, tt.method, tt.path, tt.body)
			if rec.Code != tt.status {
				t.Fatalf("status = %d, want %d: %s", rec.Code, tt.status, rec.Body)
			}
			p := problem(t, rec)
			if p.Status != tt.status || p.Title == "" || p.Type == "" || p.Detail == "" {
				t.Errorf("incomplete problem: %+v", p)
			}
			if tt.field != "" && (len(p.Errors) == 0 || p.Errors[0].Field != tt.field) {
				t.Errorf("errors = %+v, want field %q", p.Errors, tt.field)
			}
			if tt.status == 500 && strings.Contains(rec.Body.String(), "boom") {
				t.Errorf("internal detail leaked: %s", rec.Body)
			}
		})
	}
}

func TestWrongContentTypeRefused(t *testing.T) {
	e := newServer(t)
	req := httptest.NewRequest("POST", "/things", strings.NewReader(`{"quantity":1}`))
	req.Header.Set("Content-Type", "text/plain")
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	if rec.Code != 400 {
		t.Fatalf("status = %d", rec.Code)
	}
}

func TestIdempotencyReplaysFirstAnswer(t *testing.T) {
	e := newServer(t)
	first := do(e, "POST", "/things", `{"quantity":1}`, "Idempotency-Key", "k1", "X-Org", "o1")
	again := do(e, "POST", "/things", `{"quantity":1}`, "Idempotency-Key", "k1", "X-Org", "o1")
	if first.Code != 201 || again.Code != 201 || first.Body.String() != again.Body.String() {
		t.Fatalf("first %d %s, again %d %s", first.Code, first.Body, again.Code, again.Body)
	}
	if again.Header().Get("Idempotent-Replayed") != "true" {
		t.Error("replay not marked")
	}
	other := do(e, "POST", "/things", `{"quantity":1}`, "Idempotency-Key", "k1", "X-Org", "o2")
	if other.Body.String() == first.Body.String() {
		t.Error("another organization's key must not replay the first one's answer")
	}
	changed := do(e, "POST", "/things", `{"quantity":2}`, "Idempotency-Key", "k1", "X-Org", "o1")
	if changed.Code != 422 {
		t.Errorf("same key, other body: status %d, want 422", changed.Code)
	}
	fresh := do(e, "POST", "/things", `{"quantity":1}`)
	if fresh.Body.String() == first.Body.String() {
		t.Error("no key must create anew")
	}
}

func TestProbesAndMetrics(t *testing.T) {
	e := newServer(t)
	for _, p := range []string{"/healthz", "/readyz", "/metrics"} {
		if rec := do(e, "GET", p, ""); rec.Code != 200 {
			t.Errorf("%s = %d", p, rec.Code)
		}
	}
	if rec := do(e, "GET", "/healthz", ""); rec.Header().Get("X-Content-Type-Options") != "nosniff" || rec.Header().Get("X-Request-Id") == "" {
		t.Errorf("secure headers or request id missing: %v", rec.Header())
	}
}

func TestPaginate(t *testing.T) {
	all := []string{"a", "b", "c", "d", "e"}
	id := func(s string) string { return s }
	var got []string
	p := httpx.Page{Limit: 2}
	for range 10 {
		page, next := httpx.Paginate(all, id, p)
		got = append(got, page...)
		if next == "" {
			break
		}
		after, err := httpx.DecodeCursor(next)
		if err != nil {
			t.Fatal(err)
		}
		p.After = after
	}
	if strings.Join(got, "") != "abcde" {
		t.Fatalf("pages gave %v", got)
	}
	if _, err := httpx.DecodeCursor("!!"); apperr.CodeOf(err) != apperr.Invalid {
		t.Errorf("bad cursor: %v", err)
	}
}

// TestComputedList: pages of a list computed per request, each item shown
// as JSON; a bad cursor is refused before the list is computed, and the
// list's own error is the answer.
func TestComputedList(t *testing.T) {
	e := httpx.New(httpx.Options{Service: "test"})
	computed := 0
	e.GET("/rows", func(c echo.Context) error {
		return httpx.ComputedList(c, func() ([]int, error) {
			computed++
			if c.QueryParam("fail") != "" {
				return nil, apperr.New(apperr.Forbidden, "not yours")
			}
			return []int{1, 2, 3}, nil
		}, func(n int) string { return strings.Repeat("x", n) }, func(n int) map[string]int { return map[string]int{"n": n} })
	})
	var got []int
	for q := "/rows?limit=2"; ; {
		rec := do(e, "GET", q, "")
		var l struct {
			Items []struct{ N int } `json:"items"`
			Next  string            `json:"next"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &l); err != nil || rec.Code != http.StatusOK {
			t.Fatalf("%s: %d %s", q, rec.Code, rec.Body)
		}
		for _, it := range l.Items {
			got = append(got, it.N)
		}
		if l.Next == "" {
			break
		}
		q = "/rows?limit=2&cursor=" + l.Next
	}
	if len(got) != 3 || got[0] != 1 || got[2] != 3 {
		t.Fatalf("pages gave %v", got)
	}
	before := computed
	if rec := do(e, "GET", "/rows?cursor=!!", ""); rec.Code != http.StatusBadRequest || computed != before {
		t.Errorf("bad cursor: %d, computed %d times", rec.Code, computed-before)
	}
	if rec := do(e, "GET", "/rows?fail=1", ""); rec.Code != http.StatusForbidden {
		t.Errorf("the list's error: %d %s", rec.Code, rec.Body)
	}
	if rec := do(e, "GET", "/rows?limit=5", ""); !strings.Contains(rec.Body.String(), `"next":""`) {
		t.Errorf("one page: %s", rec.Body)
	}
}

// TestNoBody: an action that takes no body runs with none or {}, and is
// refused, naming the field, when a client adds fields to it.
func TestNoBody(t *testing.T) {
	e := httpx.New(httpx.Options{Service: "test"})
	acted := 0
	e.POST("/things/:id/accept", func(c echo.Context) error { acted++; return c.NoContent(http.StatusOK) }, httpx.NoBody)
	for _, body := range []string{"", "  \n", "{}"} {
		if rec := do(e, "POST", "/things/1/accept", body); rec.Code != 200 {
			t.Errorf("body %q: %d %s", body, rec.Code, rec.Body)
		}
	}
	for body, field := range map[string]string{`{"status":"accepted"}`: "status", `{"quantity": 5}`: "quantity", `[1]`: "", `nonsense`: ""} {
		rec := do(e, "POST", "/things/1/accept", body)
		p := problem(t, rec)
		if rec.Code != 400 || field != "" && (len(p.Errors) != 1 || p.Errors[0].Field != field) {
			t.Errorf("body %s: %d %+v, want 400 naming %q", body, rec.Code, p, field)
		}
	}
	if acted != 3 {
		t.Errorf("the action ran %d times, want 3", acted)
	}
}

// The key a use case derives ids from is the same for the same write by
// the same caller, also in a process that has no idempotency record of it
// (the first try died before the record was written), and differs for
// another body, caller, path or key.
func TestRequestKeyFollowsTheWrite(t *testing.T) {
	keyOf := func(path, body string, hdr ...string) string {
		e := httpx.New(httpx.Options{Service: "test"})
		idem := httpx.Idempotency(&httpx.MemoryIdempotencyStore{}, func(c echo.Context) string { return c.Request().Header.Get("X-Org") })
		e.POST("/things/:id", func(c echo.Context) error { return c.String(http.StatusOK, httpx.RequestKey(c)) }, idem)
		return do(e, "POST", path, body, hdr...).Body.String()
	}
	first := keyOf("/things/a", `{"quantity":1}`, "Idempotency-Key", "k1", "X-Org", "o1")
	if len(first) != 64 {
		t.Fatalf("request key %q, want 64 hex digits", first)
	}
	if again := keyOf("/things/a", `{"quantity":1}`, "Idempotency-Key", "k1", "X-Org", "o1"); again != first {
		t.Errorf("the same write again: key %s, want %s", again, first)
	}
	for name, other := range map[string]string{
		"another body":   keyOf("/things/a", `{"quantity":2}`, "Idempotency-Key", "k1", "X-Org", "o1"),
		"another caller": keyOf("/things/a", `{"quantity":1}`, "Idempotency-Key", "k1", "X-Org", "o2"),
		"another path":   keyOf("/things/b", `{"quantity":1}`, "Idempotency-Key", "k1", "X-Org", "o1"),
		"another key":    keyOf("/things/a", `{"quantity":1}`, "Idempotency-Key", "k2", "X-Org", "o1"),
	} {
		if other == first {
			t.Errorf("%s: the same request key", name)
		}
	}
	if none := keyOf("/things/a", `{"quantity":1}`, "X-Org", "o1"); none != "" {
		t.Errorf("without an Idempotency-Key: %q, want none", none)
	}
}
