package stack

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestGatewayRoutesWholeSegments(t *testing.T) {
	g := NewGateway(nil, nil)
	tests := map[string]string{
		"/v1/orgs":                       "registry",
		"/v1/orgs/org_1/tokens":          "registry",
		"/v1/tokens/t1":                  "registry",
		"/v1/me":                         "registry",
		"/console":                       "console",
		"/console/allocations/a1":        "console",
		"/consoles":                      "disclosure",
		"/v1/me/stream":                  "notify",
		"/v1/webhooks":                   "notify",
		"/v1/webhooks/whk_1/deliveries":  "notify",
		"/v1/needs":                      "demand",
		"/v1/needs/n1/cancel":            "demand",
		"/v1/needs:import":               "demand",
		"/v1/stock-reports":              "demand",
		"/v1/capacity/n95-respirator":    "supply",
		"/v1/donations/d1":               "donation",
		"/v1/public/donations/ABCD-EFGH": "donation",
		"/v1/allocations/a1/receipt":     "matcher",
		"/v1/audit/events":               "audit",
		"/v1/public/checkpoint":          "audit",
		"/v1/public/summary":             "disclosure",
		"/v1/public/export/flows.csv":    "disclosure",
		"/v1/catalog/items":              "disclosure",
		"/":                              "disclosure",
		"/v1/needsx":                     "disclosure", // not a segment of /v1/needs
		"/v1/mex":                        "disclosure",
	}
	for path, want := range tests {
		if got := g.Service(path); got != want {
			t.Errorf("%s -> %s, want %s", path, got, want)
		}
	}
}

func TestGatewayHealthWaitsForEveryService(t *testing.T) {
	ok := func(context.Context) error { return nil }
	notYet := func(context.Context) error { return errors.New("catching up") }
	for _, tt := range []struct {
		ready map[string]func(context.Context) error
		want  int
	}{
		{map[string]func(context.Context) error{"a": ok, "b": ok}, 200},
		{map[string]func(context.Context) error{"a": ok, "b": notYet}, 503},
	} {
		g := NewGateway(map[string]http.Handler{}, tt.ready)
		rec := httptest.NewRecorder()
		g.ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
		if rec.Code != tt.want {
			t.Errorf("healthz = %d, want %d: %s", rec.Code, tt.want, rec.Body)
		}
	}
}
