package testkit_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aidflow/aidflow/shared/testkit"
)

// echo answers what it was sent, as /healthz's documented shape.
func echo(status int, body string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Got-Authorization", r.Header.Get("Authorization"))
		w.Header().Set("X-Got-Content-Type", r.Header.Get("Content-Type"))
		w.Header().Set("X-Got-Key", r.Header.Get("Idempotency-Key"))
		w.Header().Set("X-Got-Body", string(got))
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	})
}

func TestCallSendsWhatAClientWould(t *testing.T) {
	doc := testkit.Checker(t, "disclosure")
	tests := []struct {
		name                      string
		token, body               string
		header                    []string
		wantAuth, wantCT, wantKey string
	}{
		{name: "bare"},
		{name: "token and body", token: "tok", body: `{"a":1}`, wantAuth: "Bearer tok", wantCT: "application/json"},
		{name: "headers over both", token: "tok", body: "a,b", header: []string{"Content-Type", "text/csv", "Idempotency-Key", "k1", "Dangling"},
			wantAuth: "Bearer tok", wantCT: "text/csv", wantKey: "k1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := testkit.Call(t, echo(200, `{"status":"ok"}`), doc, "GET", "/healthz?x=1", tt.token, tt.body, tt.header...)
			if r.Status != 200 || string(r.Body) != `{"status":"ok"}` || r.Object()["status"] != "ok" {
				t.Fatalf("answer %d %s", r.Status, r.Body)
			}
			h := r.Header
			if h.Get("X-Got-Authorization") != tt.wantAuth || h.Get("X-Got-Content-Type") != tt.wantCT ||
				h.Get("X-Got-Key") != tt.wantKey || h.Get("X-Got-Body") != tt.body {
				t.Fatalf("the handler got %v", h)
			}
		})
	}
}

func TestCallFailsOnAnAnswerTheDocumentDoesNotPromise(t *testing.T) {
	doc := testkit.Checker(t, "disclosure")
	tests := []struct {
		name, path, body string
		status           int
		want             string // in the failure; "" for none
	}{
		{"as documented", "/healthz", `{"status":"ok"}`, 200, ""},
		{"no document, no check", "/nowhere", `[]`, 299, ""},
		{"wrong shape", "/healthz", `{"detail":"no status"}`, 200, "status"},
		{"undocumented status", "/healthz", `{"status":"ok"}`, 299, "299"},
		{"undocumented path", "/nowhere", `{}`, 200, "/nowhere"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checker := doc
			if strings.HasPrefix(tt.name, "no document") {
				checker = nil
			}
			var r testkit.Response
			got := failure(t, func(tb testing.TB) {
				r = testkit.Call(tb, echo(tt.status, tt.body), checker, "GET", tt.path, "", "")
			})
			if r.Status != tt.status || string(r.Body) != tt.body {
				t.Fatalf("answer %d %s, want it returned as it was", r.Status, r.Body)
			}
			if tt.want == "" && got != "" || tt.want != "" && !strings.Contains(got, tt.want) {
				t.Fatalf("failure = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestDecode(t *testing.T) {
	type health struct{ Status string }
	if got := testkit.Decode[health](t, []byte(`{"status":"ok"}`)); got.Status != "ok" {
		t.Fatalf("Decode = %+v", got)
	}
	if got := failure(t, func(tb testing.TB) { testkit.Decode[health](tb, []byte("<html>")) }); !strings.Contains(got, "decode <html>") {
		t.Fatalf("failure = %q, want one naming the body", got)
	}
	if (testkit.Response{Body: []byte("a,b")}).Object() != nil {
		t.Fatal("Object of a CSV body is not nil")
	}
}
