package conform_test

import (
	"testing"

	"github.com/aidflow/aidflow/contracts/openapi"
	"github.com/aidflow/aidflow/contracts/openapi/conform"
)

func mustChecker(tb testing.TB, service string) *conform.Checker {
	tb.Helper()
	c, err := conform.New(service)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func TestTemplate(t *testing.T) {
	tests := []struct{ service, path, want string }{
		{"demand", "/v1/needs", "/v1/needs"},
		{"demand", "/v1/needs/n-1", "/v1/needs/{id}"},
		{"demand", "/v1/needs/n-1/cancel", "/v1/needs/{id}/cancel"},
		{"demand", "/v1/needs/n-1?x=1", "/v1/needs/{id}"},
		{"disclosure", "/v1/public/export/flows.csv", "/v1/public/export/{dataset}.{format}"},
		{"disclosure", "/", "/"},
		{"matcher", "/v1/allocations/a1/receipt", "/v1/allocations/{id}/receipt"},
		{"donation", "/v1/public/donations/ABC123", "/v1/public/donations/{tracking_code}"},
		{"demand", "/v1/allocations", ""},
		{"demand", "/v1/needs/a/b/c", ""},
	}
	for _, tt := range tests {
		got, ok := mustChecker(t, tt.service).Template(tt.path)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("%s Template(%q) = %q, %v; want %q", tt.service, tt.path, got, ok, tt.want)
		}
	}
}

func TestResponseAndRequest(t *testing.T) {
	const need = `{"id":"n1","hospital_id":"h1","item":"n95-respirator","quantity":1000,"urgency":"critical","needed_by":"2026-03-08","region":"420100","status":"open","allocated_quantity":0,"dispatched_quantity":0,"delivered_quantity":0,"allocations":[],"created_at":"2026-03-01T08:00:00Z","extra":"allowed"}`
	const problem = `{"type":"urn:aidflow:problem:invalid","title":"Bad Request","status":400,"detail":"quantity: must be at least 1","errors":[{"field":"quantity","message":"must be at least 1"}]}`
	d := mustChecker(t, "demand")
	tests := []struct {
		name         string
		method, path string
		status       int
		ct, body     string
		ok           bool
	}{
		{"need", "GET", "/v1/needs/n1", 200, "application/json; charset=UTF-8", need, true},
		{"posted", "POST", "/v1/needs", 201, "application/json", need, true},
		{"list", "GET", "/v1/needs", 200, "application/json", `{"items":[` + need + `],"next":""}`, true},
		{"list without next", "GET", "/v1/needs", 200, "application/json", `{"items":[]}`, false},
		{"problem", "POST", "/v1/needs", 400, "application/problem+json", problem, true},
		{"5xx through default", "POST", "/v1/needs", 503, "application/problem+json", problem, true},
		{"problem as json", "POST", "/v1/needs", 400, "application/json", problem, false},
		{"undocumented status", "GET", "/v1/needs/n1", 202, "application/json", need, false},
		{"bad status value", "GET", "/v1/needs/n1", 200, "application/json", `{"id":"n1","status":"lost"}`, false},
		{"undocumented path", "GET", "/v1/unknown", 200, "application/json", `{}`, false},
		{"health", "GET", "/healthz", 200, "application/json", `{"status":"ok"}`, true},
		{"metrics", "GET", "/metrics", 200, "text/plain; version=0.0.4", "# HELP x\n", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := d.Response(tt.method, tt.path, tt.status, tt.ct, []byte(tt.body))
			if (err == nil) != tt.ok {
				t.Errorf("Response: %v, want ok=%v", err, tt.ok)
			}
		})
	}

	reqs := []struct {
		name, method, path, body string
		ok                       bool
	}{
		{"need", "POST", "/v1/needs", `{"item":"goggles","quantity":10,"urgency":"high","needed_by":"2026-03-08"}`, true},
		{"unknown field", "POST", "/v1/needs", `{"item":"goggles","quantity":10,"urgency":"high","needed_by":"2026-03-08","status":"fulfilled"}`, false},
		{"no body taken", "POST", "/v1/needs/n1/cancel", ``, true},
	}
	for _, tt := range reqs {
		t.Run("request "+tt.name, func(t *testing.T) {
			err := d.Request(tt.method, tt.path, "application/json", []byte(tt.body))
			if (err == nil) != tt.ok {
				t.Errorf("Request: %v, want ok=%v", err, tt.ok)
			}
		})
	}
}

func TestEveryServiceLoads(t *testing.T) {
	for _, s := range openapi.Services {
		mustChecker(t, s)
	}
	if _, err := conform.New("nope"); err == nil {
		t.Error("New of an unknown service succeeded")
	}
}
