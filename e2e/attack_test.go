package e2e_test

// The attack suite: one authorization table over every route of every
// service's OpenAPI document, mass assignment and oversized bodies on every
// write, all through the gateway of the whole stack. See e2e/README.md.

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aidflow/aidflow/contracts/openapi"
	"github.com/aidflow/aidflow/deploy/stack"
	"github.com/aidflow/aidflow/shared/auth"
)

// An identity is one column of the authorization table: a bearer token
// (or none) and what it stands for.
type identity struct {
	name  string
	token string
	role  string // the role a verified token has; "" for bad tokens
	org   string
}

// Identity names. The bad tokens all claim the regulator role (except
// revoked, the hospital's own revoked token), so a verifier that let one
// through would grant the most a non-operator can have.
const (
	idNone, idForged, idExpired, idWrongKey, idAlgNone, idGarbled, idRevoked = "no token", "forged signature", "expired", "wrong key", "alg none", "garbled header", "revoked"
	idHosp, idOtherHosp, idMfr, idOtherMfr, idDonor, idOtherDonor            = "hospital", "other hospital", "manufacturer", "other manufacturer", "donor", "other donor"
	idReg, idOp                                                              = "regulator", "operator"
)

var badTokens = []string{idNone, idForged, idExpired, idWrongKey, idAlgNone, idGarbled, idRevoked}

// world is what the attack suite's requests run against: every identity
// and the objects the routes' ids name (all owned by the first of each
// role's two organizations).
type world struct {
	t      *testing.T
	s      *stack.Stack
	c      client
	ids    []identity
	by     map[string]identity
	hospB  string
	spare  string // a token id of the hospital's, for the operator to revoke
	needs  map[string]string
	allocs map[string]string
	// donation and its tracking code; capacity is the manufacturer's n95
	// report; webhook the manufacturer's subscription.
	donation, code, capacity, overrideSource, event, webhook string
}

func (w *world) as(name string) client { return w.c.as(w.by[name].token) }

// tokenID reads a token's id from its payload (the test is the issuer's
// peer here, not a verifier).
func tokenID(t *testing.T, token string) string {
	t.Helper()
	parts := strings.Split(token, ".")
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var c auth.Claims
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	return c.TokenID
}

// newWorld registers two organizations of each role, the bad tokens, and
// the objects: needs and their allocations in each state the writes need,
// a capacity report, a donation, a stock report.
func newWorld(t *testing.T, s *stack.Stack, dir string) *world {
	t.Helper()
	w := &world{t: t, s: s, c: client{t: t, base: s.BaseURL}, by: map[string]identity{}, needs: map[string]string{}, allocs: map[string]string{}}
	op := w.c.as(s.OperatorToken)
	add := func(id identity) { w.ids = append(w.ids, id); w.by[id.name] = id }
	org := func(name string, body map[string]any) {
		o := op.must(201, "POST", "/v1/orgs", body)
		add(identity{name: name, token: str(o, "token"), role: str(o, "role"), org: str(o, "id")})
	}
	org(idHosp, map[string]any{"name": "Wuhan Designated Hospital", "role": "hospital", "region": "420100", "facility_type": "designated"})
	org(idOtherHosp, map[string]any{"name": "Hangzhou General Hospital", "role": "hospital", "region": "330100"})
	org(idMfr, map[string]any{"name": "Suzhou Mask Works", "role": "manufacturer", "region": "320500"})
	org(idOtherMfr, map[string]any{"name": "Ningbo Medical Textiles", "role": "manufacturer", "region": "330200"})
	org(idDonor, map[string]any{"name": "Zhejiang Chamber of Commerce", "role": "donor", "region": "330100"})
	org(idOtherDonor, map[string]any{"name": "Beijing Alumni Fund", "role": "donor", "region": "110000"})
	org(idReg, map[string]any{"name": "National Health Commission", "role": "regulator", "region": "110000"})
	add(identity{name: idOp, token: s.OperatorToken, role: auth.Operator, org: "operator"})
	w.hospB = w.by[idOtherHosp].org

	// Bad tokens, each claiming the regulator's role.
	keys, err := stack.LoadOrCreateKeys(dir)
	if err != nil {
		t.Fatal(err)
	}
	realKey, err := auth.ParsePrivateKey(keys.TokenSigningKey)
	if err != nil {
		t.Fatal(err)
	}
	_, otherKey, err := auth.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	reg := w.by[idReg]
	claims := auth.Claims{TokenID: "attack-1", OrgID: reg.org, Role: auth.Regulator, IssuedAt: time.Now().Unix()}
	sign := func(k []byte, c auth.Claims) string {
		tok, err := auth.NewSigner(k).Sign(c)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	expiredClaims := claims
	expiredClaims.ExpiresAt = time.Now().Add(-time.Hour).Unix()
	payload := base64.RawURLEncoding.EncodeToString(must(json.Marshal(claims)))
	hospTok := w.by[idHosp].token
	add(identity{name: idNone})
	add(identity{name: idForged, token: "aft1." + payload + hospTok[strings.LastIndexByte(hospTok, '.'):]})
	add(identity{name: idExpired, token: sign(realKey, expiredClaims)})
	add(identity{name: idWrongKey, token: sign(otherKey, claims)})
	add(identity{name: idAlgNone, token: base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + payload + "."})
	add(identity{name: idGarbled, token: "aft1.%%%." + payload})
	hosp := w.by[idHosp]
	revoked := str(op.must(201, "POST", "/v1/orgs/"+hosp.org+"/tokens", nil), "token")
	op.must(200, "DELETE", "/v1/tokens/"+tokenID(t, revoked), nil)
	add(identity{name: idRevoked, token: revoked})
	w.spare = tokenID(t, str(op.must(201, "POST", "/v1/orgs/"+hosp.org+"/tokens", nil), "token"))

	// Needs: three to be allocated (accept, decline, cancel), one to stay
	// open (confirm, cancel), one for a regulator's override.
	h, m, d := w.as(idHosp), w.as(idMfr), w.as(idDonor)
	for _, n := range []string{"accept", "decline", "cancel"} {
		w.needs[n] = str(h.must(201, "POST", "/v1/needs", map[string]any{"item": "goggles", "quantity": 100, "urgency": "high", "needed_by": neededBy(7)}), "id")
	}
	w.needs["open"] = str(h.must(201, "POST", "/v1/needs", map[string]any{"item": "face-shield", "quantity": 100, "urgency": "normal", "needed_by": neededBy(7)}), "id")
	w.needs["override"] = str(h.must(201, "POST", "/v1/needs", map[string]any{"item": "pcr-test-kit", "quantity": 100, "urgency": "critical", "needed_by": neededBy(2)}), "id")
	m.must(200, "PUT", "/v1/capacity/goggles", map[string]any{"available_now": 1000, "daily_rate": 100, "lead_time_days": 1})
	// A source too slow for the override's need: the matcher leaves it,
	// a regulator may still decide otherwise.
	w.as(idOtherMfr).must(200, "PUT", "/v1/capacity/pcr-test-kit", map[string]any{"available_now": 1000, "daily_rate": 100, "lead_time_days": 30})
	w.capacity = "n95-respirator"
	m.must(200, "PUT", "/v1/capacity/n95-respirator", map[string]any{"available_now": 10, "daily_rate": 10, "lead_time_days": 1})
	for _, n := range []string{"accept", "decline", "cancel"} {
		w.allocs[n] = allocationOf(t, h, w.needs[n])
	}
	for _, c := range items(w.as(idOtherMfr).must(200, "GET", "/v1/capacity", nil)) {
		if str(c, "item") == "pcr-test-kit" {
			w.overrideSource = str(c, "id")
		}
	}
	don := d.must(201, "POST", "/v1/donations", map[string]any{"items": []map[string]any{{"item": "surgical-mask", "quantity": 500}}})
	w.donation, w.code = str(don, "id"), str(don, "tracking_code")
	h.must(201, "POST", "/v1/stock-reports", map[string]any{"item": "goggles", "on_hand": 10, "daily_consumption": 100})
	w.webhook = str(m.must(201, "POST", "/v1/webhooks", map[string]any{"url": "https://erp.example.com/aidflow", "events": []string{"allocation.proposed"}}), "id")
	eventually(t, "the audit log to record the hospital's need", func() bool {
		for _, e := range items(w.as(idReg).must(200, "GET", "/v1/audit/events?type=aidflow.demand.need_posted.v1", nil)) {
			w.event = str(e, "id")
		}
		return w.event != ""
	})
	// The revocation reaches every service within 5 s (API.md): wait for it
	// at one route of each, so the table meets it everywhere.
	within(t, 10*time.Second, "the revoked token to be refused by every service", func() bool {
		for _, p := range []string{"/v1/me", "/v1/webhooks", "/v1/needs", "/v1/capacity", "/v1/donations/" + w.donation, "/v1/allocations", "/v1/audit/events"} {
			if w.c.as(revoked).do("GET", p, nil).Status != 401 {
				return false
			}
		}
		return true
	})
	return w
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// A row of the authorization table: one route, a request that would
// succeed for whoever may make it, and who may.
type row struct {
	// path with the world's ids filled in (and a query where the route needs one).
	path string
	body any
	csv  string
	// ok are the identities the route serves; every other verified
	// identity gets 403 or 404 and every bad token 401. public: everyone.
	ok     []string
	public bool
	// status is what ok identities get; 0 is any answer past
	// authorization (not 401, 403 or 404, below 500).
	status int
	// hidden is an id that must not appear in what the identities in
	// hiddenFrom get (lists answer with the caller's own items only).
	hidden     string
	hiddenFrom []string
	stream     bool
}

// everyone are the verified identities; orgs those of organizations.
var (
	everyone = []string{idHosp, idOtherHosp, idMfr, idOtherMfr, idDonor, idOtherDonor, idReg, idOp}
	orgs     = []string{idHosp, idOtherHosp, idMfr, idOtherMfr, idDonor, idOtherDonor, idReg}
)

// table is the authorization table: one row per operation of every
// service's OpenAPI document ("METHOD path" as written there). A route in
// a document without a row fails the test by name, as does a row for a
// route no document has. Writes run in the table's order, after every
// refusal of their own row, so each allowed write finds its object in the
// state it needs (accept before dispatch before receipt).
func table(w *world) []struct {
	op  string
	row row
} {
	n, a := w.needs, w.allocs
	hosp, mfr := w.by[idHosp], w.by[idMfr]
	public := func(path string, status int) row { return row{path: path, public: true, status: status} }
	return []struct {
		op  string
		row row
	}{
		// Probes, metrics and documents: answered by the gateway or the
		// service behind "/".
		{"GET /healthz", public("/healthz", 200)},
		{"GET /readyz", public("/readyz", 200)},
		{"GET /metrics", public("/metrics", 200)},
		{"GET /openapi.json", public("/openapi.json", 200)},
		// Disclosure: public.
		{"GET /", public("/", 200)},
		{"GET /v1/catalog/items", public("/v1/catalog/items", 200)},
		{"GET /v1/public/summary", public("/v1/public/summary", 200)},
		{"GET /v1/public/regions", public("/v1/public/regions", 200)},
		{"GET /v1/public/flows", public("/v1/public/flows", 200)},
		{"GET /v1/public/stream", row{path: "/v1/public/stream", public: true, status: 200, stream: true}},
		{"GET /v1/public/export/{dataset}.{format}", public("/v1/public/export/flows.csv", 200)},
		{"GET /v1/public/donations/{tracking_code}", public("/v1/public/donations/"+w.code, 200)},
		{"GET /v1/public/checkpoint", public("/v1/public/checkpoint", 0)},
		{"GET /v1/audit/checkpoints", public("/v1/audit/checkpoints", 200)},
		// Registry.
		{"GET /v1/me", row{path: "/v1/me", ok: everyone, status: 200}},
		{"GET /v1/orgs", row{path: "/v1/orgs", ok: []string{idOp, idReg}, status: 200}},
		{"GET /v1/orgs/{id}", row{path: "/v1/orgs/" + hosp.org, ok: []string{idHosp, idReg, idOp}, status: 200}},
		// Demand.
		{"GET /v1/needs", row{path: "/v1/needs", ok: []string{idHosp, idOtherHosp, idReg}, status: 200, hidden: n["open"], hiddenFrom: []string{idOtherHosp}}},
		{"GET /v1/needs/daily", row{path: "/v1/needs/daily", ok: []string{idReg}, status: 200}},
		{"GET /v1/needs/{id}", row{path: "/v1/needs/" + n["open"], ok: []string{idHosp, idReg}, status: 200}},
		{"GET /v1/needs/{id}/timeline", row{path: "/v1/needs/" + n["open"] + "/timeline", ok: []string{idHosp, idReg}, status: 200}},
		{"GET /v1/stock-reports", row{path: "/v1/stock-reports", ok: []string{idHosp, idOtherHosp, idReg}, status: 200, hidden: hosp.org, hiddenFrom: []string{idOtherHosp}}},
		// Supply.
		{"GET /v1/capacity", row{path: "/v1/capacity", ok: []string{idMfr, idOtherMfr, idReg}, status: 200, hidden: mfr.org, hiddenFrom: []string{idOtherMfr}}},
		{"GET /v1/capacity/daily", row{path: "/v1/capacity/daily", ok: []string{idReg}, status: 200}},
		// Donation.
		{"GET /v1/donations/{id}", row{path: "/v1/donations/" + w.donation, ok: []string{idDonor, idReg}, status: 200}},
		// Matcher.
		{"GET /v1/allocations", row{path: "/v1/allocations", ok: []string{idHosp, idOtherHosp, idMfr, idOtherMfr, idDonor, idOtherDonor, idReg}, status: 200, hidden: a["accept"], hiddenFrom: []string{idOtherHosp, idOtherMfr, idDonor, idOtherDonor}}},
		{"GET /v1/allocations/stats", row{path: "/v1/allocations/stats", ok: []string{idReg}, status: 200}},
		{"GET /v1/allocations/{id}", row{path: "/v1/allocations/" + a["accept"], ok: []string{idHosp, idMfr, idReg}, status: 200}},
		// Notify.
		{"GET /v1/webhooks", row{path: "/v1/webhooks", ok: orgs, status: 200, hidden: w.webhook, hiddenFrom: []string{idHosp, idOtherHosp, idOtherMfr, idDonor, idOtherDonor, idReg}}},
		{"GET /v1/webhooks/{id}", row{path: "/v1/webhooks/" + w.webhook, ok: []string{idMfr}, status: 200}},
		{"GET /v1/webhooks/{id}/deliveries", row{path: "/v1/webhooks/" + w.webhook + "/deliveries", ok: []string{idMfr}, status: 200}},
		{"GET /v1/me/stream", row{path: "/v1/me/stream", ok: orgs, status: 200, stream: true}},
		// Audit.
		{"GET /v1/audit/events", row{path: "/v1/audit/events", ok: []string{idReg}, status: 200}},
		{"GET /v1/audit/orgs/{id}/events", row{path: "/v1/audit/orgs/" + hosp.org + "/events", ok: []string{idReg}, status: 200}},
		{"GET /v1/audit/verify", row{path: "/v1/audit/verify", ok: []string{idReg}, status: 200}},
		{"GET /v1/audit/proof/inclusion", row{path: "/v1/audit/proof/inclusion?event_id=" + w.event, ok: []string{idReg}, status: 0}},
		{"GET /v1/audit/proof/consistency", row{path: "/v1/audit/proof/consistency?from=1", ok: []string{idReg}, status: 0}},
		{"GET /v1/audit/anomalies", row{path: "/v1/audit/anomalies", ok: []string{idReg}, status: 200}},

		// Writes, in an order where each allowed one finds its object ready.
		{"POST /v1/needs", row{path: "/v1/needs", body: map[string]any{"item": "goggles", "quantity": 100, "urgency": "normal", "needed_by": neededBy(9)}, ok: []string{idHosp, idOtherHosp}, status: 201}},
		{"POST /v1/needs:import", row{path: "/v1/needs:import", csv: "item,quantity,urgency,needed_by\nface-shield,100,normal," + neededBy(9) + "\n", ok: []string{idHosp, idOtherHosp}, status: 201}},
		{"POST /v1/needs/{id}/confirm", row{path: "/v1/needs/" + n["open"] + "/confirm", ok: []string{idHosp}, status: 200}},
		{"POST /v1/stock-reports", row{path: "/v1/stock-reports", body: map[string]any{"item": "face-shield", "on_hand": 3, "daily_consumption": 1}, ok: []string{idHosp, idOtherHosp}, status: 201}},
		{"PUT /v1/capacity/{item}", row{path: "/v1/capacity/" + w.capacity, body: map[string]any{"available_now": 20, "daily_rate": 10, "lead_time_days": 1}, ok: []string{idMfr, idOtherMfr}, status: 200}},
		{"POST /v1/donations", row{path: "/v1/donations", body: map[string]any{"items": []map[string]any{{"item": "nitrile-gloves", "quantity": 1000}}, "hospital_id": w.hospB}, ok: []string{idDonor, idOtherDonor}, status: 201}},
		{"POST /v1/allocations/{id}/accept", row{path: "/v1/allocations/" + a["accept"] + "/accept", ok: []string{idMfr}, status: 200}},
		{"POST /v1/allocations/{id}/dispatch", row{path: "/v1/allocations/" + a["accept"] + "/dispatch", body: map[string]any{"shipped_quantity": 100, "carrier": "SF Express", "tracking_number": "SF1"}, ok: []string{idMfr}, status: 200}},
		{"POST /v1/allocations/{id}/receipt", row{path: "/v1/allocations/" + a["accept"] + "/receipt", body: map[string]any{"received_quantity": 100}, ok: []string{idHosp}, status: 200}},
		{"POST /v1/allocations/{id}/decline", row{path: "/v1/allocations/" + a["decline"] + "/decline", body: map[string]any{"reason": "line stopped"}, ok: []string{idMfr}, status: 200}},
		// A face-shield need cannot take goggles: the regulator passes
		// authorization and meets 422, the allocation stays for the cancel.
		{"POST /v1/allocations/{id}/redirect", row{path: "/v1/allocations/" + a["cancel"] + "/redirect", body: map[string]any{"need_id": n["open"], "reason": "the designated hospital's ICU opened first"}, ok: []string{idReg}, status: 0}},
		{"POST /v1/allocations/{id}/cancel", row{path: "/v1/allocations/" + a["cancel"] + "/cancel", body: map[string]any{"reason": "sent elsewhere by decision 12"}, ok: []string{idReg}, status: 200}},
		{"POST /v1/allocations", row{path: "/v1/allocations", body: map[string]any{"need_id": n["override"], "source_kind": "capacity", "source_id": w.overrideSource, "quantity": 100, "reason": "air freight arranged"}, ok: []string{idReg}, status: 201}},
		// No rule has fired in this short world: the regulator passes the
		// role check and meets 404; every other role is refused before.
		{"POST /v1/audit/anomalies/{id}/review", row{path: "/v1/audit/anomalies/anm_none/review", body: map[string]any{"note": "called the manufacturer; shipment left today"}, ok: []string{idReg}, status: 404}},
		{"POST /v1/audit/corrections", row{path: "/v1/audit/corrections", body: map[string]any{"event_id": w.event, "reason": "the quantity was mistyped"}, ok: []string{idHosp, idReg}, status: 0}},
		{"POST /v1/webhooks", row{path: "/v1/webhooks", body: map[string]any{"url": "https://wms.example.com/hook", "events": []string{"allocation.proposed"}}, ok: orgs, status: 0}}, // events a manufacturer may take: 201 for it, 422 for other roles
		{"POST /v1/webhooks/{id}/resume", row{path: "/v1/webhooks/" + w.webhook + "/resume", ok: []string{idMfr}, status: 0}},
		{"DELETE /v1/webhooks/{id}", row{path: "/v1/webhooks/" + w.webhook, ok: []string{idMfr}, status: 204}},
		{"POST /v1/needs/{id}/cancel", row{path: "/v1/needs/" + n["open"] + "/cancel", ok: []string{idHosp}, status: 200}},
		{"POST /v1/orgs", row{path: "/v1/orgs", body: map[string]any{"name": "Shanghai Fever Clinic", "role": "hospital", "region": "310000", "facility_type": "fever_clinic"}, ok: []string{idOp}, status: 201}},
		{"POST /v1/orgs/{id}/tokens", row{path: "/v1/orgs/" + hosp.org + "/tokens", ok: []string{idOp}, status: 201}},
		{"DELETE /v1/tokens/{token_id}", row{path: "/v1/tokens/" + w.spare, ok: []string{idOp}, status: 200}},
	}
}

// operation is one operation of an OpenAPI document.
type operation struct {
	key, service string
	roles        []string
	write        bool
	// fields are the request body's properties (JSON bodies).
	fields []string
	csv    bool
}

// operations reads every operation of every service's OpenAPI document,
// once per "METHOD path" (each document repeats the probes').
func operations(t *testing.T) map[string]operation {
	t.Helper()
	out := map[string]operation{}
	for _, svc := range openapi.Services {
		raw, ok := openapi.Spec(svc)
		if !ok {
			t.Fatalf("no OpenAPI document for %s", svc)
		}
		var doc struct {
			Paths      map[string]map[string]json.RawMessage `json:"paths"`
			Components struct {
				Schemas map[string]struct {
					Properties map[string]any `json:"properties"`
				} `json:"schemas"`
			} `json:"components"`
		}
		if err := json.Unmarshal(raw, &doc); err != nil {
			t.Fatalf("%s: %v", svc, err)
		}
		for path, ops := range doc.Paths {
			for method, rawOp := range ops {
				if !slices.Contains([]string{"get", "post", "put", "patch", "delete"}, method) {
					continue
				}
				var o struct {
					Roles       []string `json:"x-aidflow-roles"`
					RequestBody struct {
						Content map[string]struct {
							Schema struct {
								Ref        string         `json:"$ref"`
								Properties map[string]any `json:"properties"`
							} `json:"schema"`
						} `json:"content"`
					} `json:"requestBody"`
				}
				if err := json.Unmarshal(rawOp, &o); err != nil {
					t.Fatalf("%s %s %s: %v", svc, method, path, err)
				}
				op := operation{key: strings.ToUpper(method) + " " + path, service: svc, roles: o.Roles, write: method != "get"}
				if c, ok := o.RequestBody.Content["application/json"]; ok {
					props := c.Schema.Properties
					if c.Schema.Ref != "" {
						props = doc.Components.Schemas[strings.TrimPrefix(c.Schema.Ref, "#/components/schemas/")].Properties
					}
					for f := range props {
						op.fields = append(op.fields, f)
					}
				}
				_, op.csv = o.RequestBody.Content["text/csv"]
				if prev, dup := out[op.key]; dup && !slices.Equal(prev.roles, op.roles) {
					t.Errorf("%s: %s and %s document different roles", op.key, prev.service, svc)
				}
				if _, dup := out[op.key]; !dup {
					out[op.key] = op
				}
			}
		}
	}
	if len(out) < 40 {
		t.Fatalf("read only %d operations from the OpenAPI documents", len(out))
	}
	return out
}

// send makes one request as id; for a stream it returns once the headers
// are in.
func (w *world) send(id identity, method, path string, body []byte, contentType string, stream bool) answer {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, w.s.BaseURL+path, bytes.NewReader(body))
	if err != nil {
		w.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", contentType)
	}
	switch {
	case id.name == idGarbled:
		req.Header.Set("Authorization", "Bearer"+id.token) // no space, and a mangled token
	case id.token != "":
		req.Header.Set("Authorization", "Bearer "+id.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatalf("%s %s as %s: %v", method, path, id.name, err)
	}
	defer resp.Body.Close()
	a := answer{Status: resp.StatusCode}
	if !stream {
		a.Raw, _ = io.ReadAll(resp.Body)
		_ = json.Unmarshal(a.Raw, &a.Body)
	}
	a.contentType = resp.Header.Get("Content-Type")
	return a
}

func (w *world) request(id identity, method string, r row) answer {
	w.t.Helper()
	switch {
	case r.csv != "":
		return w.send(id, method, r.path, []byte(r.csv), "text/csv", false)
	case r.body != nil:
		return w.send(id, method, r.path, must(json.Marshal(r.body)), "application/json", false)
	}
	return w.send(id, method, r.path, nil, "", r.stream)
}

// state is what a refused write must leave as it was: every need, every
// allocation's status, the capacity reports, stock reports, organizations
// and the donation, as the regulator and the operator read them.
func (w *world) state() string {
	w.t.Helper()
	reg, op := w.as(idReg), w.as(idOp)
	var b strings.Builder
	for _, p := range []string{"/v1/needs?limit=100", "/v1/allocations?limit=100", "/v1/capacity?limit=100", "/v1/stock-reports?limit=100", "/v1/donations/" + w.donation} {
		a := reg.must(200, "GET", p, nil)
		for _, it := range append(items(a), a) {
			fmt.Fprintf(&b, "%s %s %s %v %v %v %v|", str(it, "id"), str(it, "status"), str(it, "item"),
				it["quantity"], it["available_now"], it["on_hand"], it["allocated_quantity"])
		}
	}
	for _, o := range items(op.must(200, "GET", "/v1/orgs?limit=100", nil)) {
		b.WriteString(str(o, "id") + "|")
	}
	return b.String()
}

// settled waits until the state stops changing (the matcher and the
// consumers are done with the last write): the same in three readings in
// a row and for 1.5 s at the least. Three readings alone (about 300 ms)
// were once too short on a loaded CI machine: demand applied a
// cancellation made by the previous row's allowed call after the
// "before" reading, and the refused writes were blamed for it.
func (w *world) settled() string {
	w.t.Helper()
	prev, same, since := w.state(), 0, time.Now()
	eventually(w.t, "the stack to settle after the last write", func() bool {
		now := w.state()
		if now == prev {
			same++
		} else {
			prev, same, since = now, 0, time.Now()
		}
		return same >= 2 && time.Since(since) >= 1500*time.Millisecond
	})
	return prev
}

var refusedStatus = map[int]bool{403: true, 404: true}

func TestAttack(t *testing.T) {
	dir := t.TempDir()
	s := startStack(t, dir)
	defer s.Close()
	w := newWorld(t, s, dir)
	ops := operations(t)
	tab := table(w)

	t.Run("every route has a row", func(t *testing.T) {
		rows := map[string]bool{}
		for _, r := range tab {
			if rows[r.op] {
				t.Errorf("two rows for %s", r.op)
			}
			rows[r.op] = true
			if _, ok := ops[r.op]; !ok {
				t.Errorf("row %s: no OpenAPI document has this route", r.op)
			}
		}
		var missing []string
		for k := range ops {
			if !rows[k] {
				missing = append(missing, k)
			}
		}
		sort.Strings(missing)
		for _, k := range missing {
			t.Errorf("OpenAPI route %s (%s) has no row in the authorization table (e2e/attack_test.go)", k, ops[k].service)
		}
		// The table lets in no role its document does not name.
		for _, r := range tab {
			op := ops[r.op]
			if r.row.public != slices.Contains(op.roles, "anyone") {
				t.Errorf("%s: public=%v, the document says %v", r.op, r.row.public, op.roles)
			}
			for _, id := range r.row.ok {
				if role := w.by[id].role; !slices.Contains(op.roles, role) {
					t.Errorf("%s: the table lets in %s (%s); the document names %v", r.op, id, role, op.roles)
				}
			}
		}
	})

	t.Run("every gateway route has rows", func(t *testing.T) {
		// The console is no API (no OpenAPI document): its rows are in
		// consoleRows. Every other prefix must lead to some row.
		for _, gr := range stack.Routes {
			covered := false
			for _, r := range tab {
				covered = covered || s.Gateway.Service(r.row.path) == gr.Service && strings.HasPrefix(r.row.path, gr.Prefix)
			}
			for _, r := range consoleRows {
				covered = covered || strings.HasPrefix(r.path, gr.Prefix)
			}
			if !covered {
				t.Errorf("gateway route %s (%s) leads to no row of the authorization table", gr.Prefix, gr.Service)
			}
		}
	})
	t.Run("the console acts on no bearer token", func(t *testing.T) { console(t, w) })

	// Mass assignment and oversized bodies first: both are refused, so the
	// objects are still as the authorization table needs them.
	t.Run("mass assignment", func(t *testing.T) { massAssignment(t, w, ops, tab) })
	t.Run("2 MB bodies", func(t *testing.T) { oversized(t, w, ops, tab) })

	t.Run("authorization table", func(t *testing.T) {
		checks := 0
		for _, r := range tab {
			op := ops[r.op]
			method := strings.Fields(r.op)[0]
			var before string
			if op.write {
				before = w.settled()
			}
			var allowed []identity
			for _, id := range w.ids {
				if r.row.public || slices.Contains(r.row.ok, id.name) {
					allowed = append(allowed, id)
					continue
				}
				a := w.request(id, method, r.row)
				checks++
				// The operator's token is a valid token in the wrong place
				// everywhere but the registry: 403, like any other role
				// (the services know it by its SHA-256 alone).
				bad := slices.Contains(badTokens, id.name)
				switch {
				case bad && a.Status != 401:
					t.Errorf("%s as %s: %d, want 401: %s", r.op, id.name, a.Status, a.Raw)
				case !bad && !refusedStatus[a.Status]:
					t.Errorf("%s as %s: %d, want 403 or 404: %s", r.op, id.name, a.Status, a.Raw)
				}
				if a.Status >= 400 && a.contentType != "application/problem+json" {
					t.Errorf("%s as %s: %d as %q, want problem+json", r.op, id.name, a.Status, a.contentType)
				}
			}
			if op.write {
				if after := w.state(); after != before {
					t.Errorf("%s: refused writes changed the state:\nbefore %s\nafter  %s", r.op, before, after)
				}
			}
			for _, id := range allowed {
				a := w.request(id, method, r.row)
				checks++
				switch {
				case r.row.status != 0 && a.Status != r.row.status:
					t.Errorf("%s as %s: %d, want %d: %.300s", r.op, id.name, a.Status, r.row.status, a.Raw)
				case r.row.status == 0 && (a.Status == 401 || a.Status == 403 || a.Status == 404 || a.Status >= 500):
					t.Errorf("%s as %s: %d, want an answer past authorization: %.300s", r.op, id.name, a.Status, a.Raw)
				case slices.Contains(r.row.hiddenFrom, id.name) && bytes.Contains(a.Raw, []byte(r.row.hidden)):
					t.Errorf("%s as %s: shows another organization's %s", r.op, id.name, r.row.hidden)
				}
			}
		}
		t.Logf("authorization table: %d routes × %d identities, %d requests", len(tab), len(w.ids), checks)
	})
}

// extraFields are fields a client must never set: the server decides them.
var extraFields = []string{"status", "allocated_quantity", "delivered_quantity", "hospital_id", "id", "source_org_id", "role", "org_id", "donor_id", "manufacturer_id", "tracking_code", "reserved", "decided_by", "created_at"}

// massAssignment sends every JSON write route a valid body plus one field
// the server owns; each is refused with 400 naming the field, and nothing
// changes. Fields the route does take (role on POST /v1/orgs) are left out.
func massAssignment(t *testing.T, w *world, ops map[string]operation, tab []struct {
	op  string
	row row
}) {
	checked := 0
	for _, r := range tab {
		op := ops[r.op]
		if !op.write {
			continue
		}
		owner := w.by[r.row.ok[0]]
		method := strings.Fields(r.op)[0]
		before := w.settled()
		if op.csv {
			csv := "item,quantity,urgency,needed_by,status,hospital_id\nface-shield,100,normal," + neededBy(9) + ",allocated," + w.hospB + "\n"
			a := w.send(owner, method, r.row.path, []byte(csv), "text/csv", false)
			checked++
			if a.Status != 400 && a.Status != 422 || !strings.Contains(string(a.Raw), "status") {
				t.Errorf("%s with a status column: %d %s, want 400 or 422 naming the column", r.op, a.Status, a.Raw)
			}
		}
		for _, f := range extraFields {
			if slices.Contains(op.fields, f) || op.csv {
				continue
			}
			body := map[string]any{}
			if m, ok := r.row.body.(map[string]any); ok {
				for k, v := range m {
					body[k] = v
				}
			}
			body[f] = "x"
			if f == "allocated_quantity" || f == "delivered_quantity" || f == "reserved" {
				body[f] = 999999
			}
			a := w.send(owner, method, r.row.path, must(json.Marshal(body)), "application/json", false)
			checked++
			if a.Status != 400 || a.contentType != "application/problem+json" || !strings.Contains(string(a.Raw), `"`+f+`"`) {
				t.Errorf("%s with %q: %d %.300s, want 400 problem+json naming the field", r.op, f, a.Status, a.Raw)
			}
		}
		if after := w.state(); after != before {
			t.Errorf("%s: refused bodies changed the state:\nbefore %s\nafter  %s", r.op, before, after)
		}
	}
	t.Logf("mass assignment: %d refused bodies", checked)
}

var problemStatus = regexp.MustCompile(`"status"\s*:\s*413`)

// oversized sends 2 MB to every write route as the identity it serves;
// each gets 413 problem+json and nothing changes.
func oversized(t *testing.T, w *world, ops map[string]operation, tab []struct {
	op  string
	row row
}) {
	big := append(append([]byte(`{"note":"`), bytes.Repeat([]byte("x"), 2<<20)...), []byte(`"}`)...)
	bigCSV := append([]byte("item,quantity,urgency,needed_by,note\n"), bytes.Repeat([]byte("face-shield,100,normal,"+neededBy(9)+",xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n"), 2<<20/90)...)
	before := w.settled()
	n := 0
	for _, r := range tab {
		op := ops[r.op]
		if !op.write {
			continue
		}
		body, ct := big, "application/json"
		if op.csv {
			body, ct = bigCSV, "text/csv"
		}
		a := w.send(w.by[r.row.ok[0]], strings.Fields(r.op)[0], r.row.path, body, ct, false)
		n++
		if a.Status != 413 || a.contentType != "application/problem+json" || !problemStatus.Match(a.Raw) {
			t.Errorf("%s with %d bytes: %d %q %.200s, want 413 problem+json", r.op, len(body), a.Status, a.contentType, a.Raw)
		}
	}
	if after := w.state(); after != before {
		t.Errorf("2 MB bodies changed the state:\nbefore %s\nafter  %s", before, after)
	}
	t.Logf("2 MB bodies: %d write routes", n)
}

// consoleRows are the console's pages and forms (services/console). It
// signs a regulator in with a sealed cookie and a CSRF token per form and
// never reads an Authorization header, so no bearer token, good or bad,
// may act through it; its pages without a session send to the sign-in.
var consoleRows = []struct {
	method, path, form string
}{
	{"GET", "/console/", ""},
	{"GET", "/console/allocations", ""},
	{"GET", "/console/audit", ""},
	{"POST", "/console/allocations", "need_id=n&source_kind=capacity&source_id=s&quantity=1&reason=r"},
	{"POST", "/console/allocations/a/cancel", "reason=r"},
	{"POST", "/console/allocations/a/redirect", "need_id=n&reason=r"},
	{"POST", "/console/sign-out", ""},
	{"POST", "/console/anomalies/review", "id=x&note=n"},
	{"POST", "/console/sign-in", "token=t"},
}

func console(t *testing.T, w *world) {
	before := w.settled()
	n := 0
	for _, r := range consoleRows {
		for _, id := range w.ids {
			noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			req, err := http.NewRequest(r.method, w.s.BaseURL+r.path, strings.NewReader(r.form))
			if err != nil {
				t.Fatal(err)
			}
			if r.form != "" {
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			if id.token != "" {
				req.Header.Set("Authorization", "Bearer "+id.token)
			}
			resp, err := noRedirect.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			_ = resp.Body.Close()
			n++
			loc := resp.Header.Get("Location")
			toSignIn := resp.StatusCode == http.StatusSeeOther && strings.HasPrefix(loc, "/console/sign-in")
			switch {
			case r.method == "GET" && !toSignIn:
				t.Errorf("%s %s as %s: %d to %q, want 303 to the sign-in", r.method, r.path, id.name, resp.StatusCode, loc)
			case r.method == "POST" && resp.StatusCode != http.StatusForbidden && !toSignIn:
				t.Errorf("%s %s as %s: %d to %q, want 403 or 303 to the sign-in (no session, no CSRF token)", r.method, r.path, id.name, resp.StatusCode, loc)
			}
		}
	}
	if after := w.state(); after != before {
		t.Errorf("console requests changed the state:\nbefore %s\nafter  %s", before, after)
	}
	t.Logf("console: %d routes × %d identities", len(consoleRows), len(w.ids))
}
