package service_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// call is one request the fake API received.
type call struct {
	Method, Path, Query, Auth, Body string
}

// fakeAPI is the public API as the console sees it: regulators' tokens
// and a few answers, refusing what the real one refuses (no token, a
// revoked one, another role) with problem+json.
type fakeAPI struct {
	t   *testing.T
	srv *httptest.Server

	mu      sync.Mutex
	calls   []call
	tokens  map[string]string // token -> role
	refuse  map[string]problemAnswer
	revoked map[string]bool
}

type problemAnswer struct {
	Status int
	Detail string
}

const (
	regulatorToken = "aft1.regulator-token-for-the-test"
	hospitalToken  = "aft1.hospital-token-for-the-test"
)

func newFakeAPI(t *testing.T) *fakeAPI {
	t.Helper()
	f := &fakeAPI{t: t, tokens: map[string]string{regulatorToken: "regulator", hospitalToken: "hospital"},
		refuse: map[string]problemAnswer{}, revoked: map[string]bool{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// Refuse makes "METHOD path" answer with a problem.
func (f *fakeAPI) Refuse(key string, status int, detail string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.refuse[key] = problemAnswer{status, detail}
}

func (f *fakeAPI) Revoke(token string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.revoked[token] = true
}

// Calls returns the requests received so far.
func (f *fakeAPI) Calls() []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]call(nil), f.calls...)
}

// Writes returns the non-GET requests received.
func (f *fakeAPI) Writes() []call {
	var out []call
	for _, c := range f.Calls() {
		if c.Method != http.MethodGet {
			out = append(out, c)
		}
	}
	return out
}

func problem(w http.ResponseWriter, status int, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"type": "about:blank", "title": http.StatusText(status), "status": status, "detail": detail})
}

func answer(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func list(items ...any) map[string]any {
	if items == nil {
		items = []any{}
	}
	return map[string]any{"items": items, "next": ""}
}

var reportedAt = time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)

func (f *fakeAPI) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	// EscapedPath keeps %2F as sent, as the real router sees it.
	path := r.URL.EscapedPath()
	f.mu.Lock()
	f.calls = append(f.calls, call{r.Method, path, r.URL.RawQuery, r.Header.Get("Authorization"), string(body)})
	refusal, refused := f.refuse[r.Method+" "+path]
	f.mu.Unlock()

	if path == "/v1/public/checkpoint" {
		answer(w, 200, map[string]any{"origin": "aidflow.audit", "size": 42, "root_hash": "cm9vdA==", "note": "n", "key": "aidflow.audit+1+k", "time": reportedAt})
		return
	}
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	f.mu.Lock()
	role, known := f.tokens[token]
	revoked := f.revoked[token]
	f.mu.Unlock()
	if !ok || !known || revoked {
		problem(w, 401, "the token is missing, invalid or revoked")
		return
	}
	if path == "/v1/me" {
		answer(w, 200, map[string]any{"id": "org_" + role, "name": "Test " + role, "role": role, "region": "110000"})
		return
	}
	if role != "regulator" {
		problem(w, 403, "regulators only")
		return
	}
	if refused {
		problem(w, refusal.Status, refusal.Detail)
		return
	}
	alloc := map[string]any{"id": "alloc_1", "need_id": "need_1", "hospital_id": "org_h1", "hospital_region": "420100", "item": "n95-respirator",
		"quantity": 500, "source_kind": "capacity", "source_id": "cap_1", "source_org_id": "org_m1", "source_region": "330100", "status": "accepted",
		"decided_by": "policy/v1", "reason": "rule 2: critical need, nearest source", "created_at": reportedAt, "updated_at": reportedAt}
	switch r.Method + " " + path {
	case "GET /v1/orgs":
		answer(w, 200, list(
			map[string]any{"id": "org_m1", "name": "Suzhou Mask Works", "role": "manufacturer", "region": "320500"},
			map[string]any{"id": "org_h1", "name": "Wuhan Jinyintan Hospital", "role": "hospital", "region": "420100"},
		))
	case "GET /v1/capacity":
		answer(w, 200, list(
			map[string]any{"id": "cap_1", "manufacturer_id": "org_m1", "item": "n95-respirator", "region": "330100", "available_now": 1000, "daily_rate": 200, "reserved": 500, "remaining": 500, "reported_at": reportedAt},
			map[string]any{"id": "cap_2", "manufacturer_id": "org_m2", "item": "n95-respirator", "region": "420100", "available_now": 0, "daily_rate": 0, "reserved": 0, "remaining": 0, "reported_at": "2020-01-01T00:00:00Z"},
		))
	case "GET /v1/capacity/daily":
		if r.URL.Query().Get("days") != "7" {
			problem(w, 422, "days must be from 1 to 31")
			return
		}
		today := time.Now().Format(time.DateOnly)
		answer(w, 200, list(
			map[string]any{"date": today, "item": "n95-respirator", "province": "", "available_now": 1000, "daily_rate": 200, "reserved": 500, "sources": 2, "reported": 1},
			map[string]any{"date": today, "item": "n95-respirator", "province": "330000", "available_now": 1000, "daily_rate": 200, "reserved": 500, "sources": 1, "reported": 1},
		))
	case "GET /v1/needs/daily":
		if r.URL.Query().Get("days") != "7" {
			problem(w, 422, "days must be from 1 to 31")
			return
		}
		today := time.Now().Format(time.DateOnly)
		answer(w, 200, list(
			map[string]any{"date": today, "item": "n95-respirator", "province": "", "open_needs": 2, "stale": 1, "quantity": 3100,
				"unallocated": 2600, "delivered": 40, "posted": 1},
			map[string]any{"date": today, "item": "n95-respirator", "province": "420000", "open_needs": 2, "stale": 1, "quantity": 3100,
				"unallocated": 2600, "delivered": 40, "posted": 1},
		))
	case "GET /v1/needs":
		answer(w, 200, list(map[string]any{"id": "need_1", "hospital_id": "org_h1", "item": "n95-respirator", "quantity": 3000, "urgency": "critical",
			"needed_by": "2026-12-01", "region": "420100", "status": "partially_allocated", "allocated_quantity": 500}))
	case "GET /v1/allocations/stats":
		answer(w, 200, list(
			map[string]any{"source_org_id": "org_m1", "source_kind": "capacity", "total": 1, "accepted": 1},
			map[string]any{"source_org_id": "org_m2", "source_kind": "capacity", "total": 1, "declined": 1},
		))
	case "GET /v1/allocations":
		answer(w, 200, list(alloc, map[string]any{"id": "alloc_2", "source_kind": "capacity", "source_org_id": "org_m2", "status": "declined", "item": "n95-respirator"}))
	case "GET /v1/allocations/alloc_1":
		answer(w, 200, alloc)
	case "GET /v1/allocations/alloc_9":
		alloc["id"], alloc["status"], alloc["decided_by"], alloc["reason"] = "alloc_9", "proposed", "org_regulator", "Wuhan designated hospital first"
		answer(w, 200, alloc)
	case "GET /v1/needs/need_1":
		answer(w, 200, map[string]any{"id": "need_1", "hospital_id": "org_h1", "item": "n95-respirator", "quantity": 3000, "urgency": "critical",
			"needed_by": "2026-12-01", "region": "420100", "status": "partially_allocated", "allocated_quantity": 500, "accepted_standards": []string{"GB 19083"}})
	case "GET /v1/needs/need_1/timeline":
		answer(w, 200, list(map[string]any{"at": reportedAt, "type": "allocation_accepted", "status": "accepted", "allocation_id": "alloc_1", "quantity": 500}))
	case "GET /v1/audit/events":
		answer(w, 200, list(
			map[string]any{"index": 7, "id": "evt_7", "type": "aidflow.matcher.allocation_accepted.v1", "source": "matcher", "subject": "alloc_1", "time": reportedAt, "org_id": "org_m1", "item": "n95-respirator", "data": map[string]any{}},
			map[string]any{"index": 8, "id": "evt_8", "type": "aidflow.supply.capacity_reported.v1", "source": "supply", "subject": "cap_1", "time": reportedAt, "org_id": "org_m1", "item": "n95-respirator", "data": map[string]any{}},
		))
	case "GET /v1/audit/anomalies":
		answer(w, 200, list(
			map[string]any{"anomaly_id": "received_over_consumption:org_h1/n95-respirator", "rule": "received_over_consumption", "subject_kind": "hospital_item",
				"subject_id": "org_h1/n95-respirator", "org_id": "org_h1", "item": "n95-respirator", "threshold": "3x", "observed": "9000 received, 100/day used", "since": reportedAt, "raised_at": reportedAt, "reviewed": false},
			map[string]any{"anomaly_id": "accepted_not_dispatched:alloc_1", "rule": "accepted_not_dispatched", "subject_kind": "allocation", "subject_id": "alloc_1",
				"threshold": "48h", "observed": "accepted 52h ago", "since": reportedAt, "raised_at": reportedAt, "reviewed": true, "review_note": "carrier delayed", "reviewed_by": "org_regulator", "reviewed_at": reportedAt},
		))
	case "POST /v1/audit/anomalies/received_over_consumption:org_h1%2Fn95-respirator/review":
		answer(w, 201, map[string]any{"index": 9, "id": "evt_9", "type": "aidflow.audit.anomaly_reviewed.v1"})
	case "POST /v1/allocations":
		answer(w, 201, map[string]any{"id": "alloc_9", "status": "proposed"})
	case "POST /v1/allocations/alloc_1/redirect":
		answer(w, 201, map[string]any{"id": "alloc_9", "status": "proposed"})
	case "POST /v1/allocations/alloc_1/cancel":
		answer(w, 200, alloc)
	case "GET /v1/audit/verify":
		answer(w, 200, map[string]any{"ok": true, "size": 42, "root_hash": "cm9vdA==", "checked": 42})
	case "GET /v1/audit/proof/inclusion":
		if r.URL.Query().Get("event_id") != "evt_7" {
			problem(w, 404, "this event is not recorded in the log")
			return
		}
		answer(w, 200, map[string]any{"event_id": "evt_7", "index": 7, "leaf_hash": "bGVhZg==", "tree_size": 42, "proof": []string{"aGFzaDE=", "aGFzaDI="},
			"checkpoint": map[string]any{"size": 42, "root_hash": "cm9vdA=="}})
	default:
		problem(w, 404, "no such route in the fake API: "+r.Method+" "+path)
	}
}
