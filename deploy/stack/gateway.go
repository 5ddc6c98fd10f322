package stack

import (
	"context"
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aidflow/aidflow/deploy/stack/route"
)

// Route sends paths under Prefix to a service. Prefixes match whole path
// segments: /v1/needs matches /v1/needs, /v1/needs/x and /v1/needs:import,
// not /v1/needsx.
type Route struct {
	Prefix  string
	Service string
}

// Routes is the gateway's table, the same path routing the production
// Ingress does (deploy/README.md). Longest prefix wins.
var Routes = []Route{
	{"/v1/orgs", "registry"},
	{"/v1/tokens", "registry"},
	{"/v1/me", "registry"},
	{"/v1/me/stream", "notify"}, // longer: wins over /v1/me
	{"/v1/webhooks", "notify"},
	{"/v1/needs", "demand"},
	{"/v1/stock-reports", "demand"},
	{"/v1/capacity", "supply"},
	{"/v1/donations", "donation"},
	{"/v1/public/donations", "donation"},
	{"/v1/allocations", "matcher"},
	{"/v1/audit", "audit"},
	{"/v1/public/checkpoint", "audit"},
	{"/v1/public", "disclosure"},
	{"/v1/catalog", "disclosure"},
	{"/console", "console"},
	{"/", "disclosure"},
}

// Gateway routes requests to in-process service handlers and answers
// /healthz for the whole stack.
type Gateway struct {
	routes   []Route
	handlers map[string]http.Handler
	ready    map[string]func(context.Context) error
}

// NewGateway routes to handlers by service name.
func NewGateway(handlers map[string]http.Handler, ready map[string]func(context.Context) error) *Gateway {
	rs := append([]Route(nil), Routes...)
	sort.SliceStable(rs, func(i, j int) bool { return len(rs[i].Prefix) > len(rs[j].Prefix) })
	return &Gateway{routes: rs, handlers: handlers, ready: ready}
}

// Service returns the service that serves path.
func (g *Gateway) Service(path string) string {
	for _, r := range g.routes {
		if route.Matches(r.Prefix, path) {
			return r.Service
		}
	}
	return ""
}

func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == "/healthz" || r.URL.Path == "/readyz":
		g.health(w, r)
		return
	case strings.HasPrefix(r.URL.Path, "/openapi/") && strings.HasSuffix(r.URL.Path, ".json"):
		// /openapi/<service>.json is that service's own /openapi.json.
		name := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/openapi/"), ".json")
		if h, ok := g.handlers[name]; ok {
			r2 := r.Clone(r.Context())
			r2.URL.Path = "/openapi.json"
			h.ServeHTTP(w, r2)
			return
		}
	}
	h, ok := g.handlers[g.Service(r.URL.Path)]
	if !ok {
		http.NotFound(w, r)
		return
	}
	h.ServeHTTP(w, r)
}

// health answers 200 once every service is ready, else 503 naming the ones
// that are not.
func (g *Gateway) health(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	var mu sync.Mutex
	var wg sync.WaitGroup
	status := map[string]string{}
	for name, ready := range g.ready {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := "ok"
			if err := ready(ctx); err != nil {
				s = err.Error()
			}
			mu.Lock()
			status[name] = s
			mu.Unlock()
		}()
	}
	wg.Wait()
	code := http.StatusOK
	for _, s := range status {
		if s != "ok" {
			code = http.StatusServiceUnavailable
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]any{"status": map[bool]string{true: "ok", false: "starting"}[code == http.StatusOK], "services": status})
}
