package service_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/contracts/openapi/conform"
	"github.com/aidflow/aidflow/contracts/schemas/validator"
	"github.com/aidflow/aidflow/services/donation/service"
	"github.com/aidflow/aidflow/shared/auth"
	"github.com/aidflow/aidflow/shared/httpx"
	"github.com/aidflow/aidflow/shared/testkit"
)

type env struct {
	m   *service.Main
	iss *testkit.Issuer
	doc *conform.Checker

	pledged *testkit.Recorder // donation events seen on the bus
}

func boot(t *testing.T, cfg func(*service.Config)) *env {
	t.Helper()
	iss := testkit.NewIssuer(t)
	c := service.Config{Platform: testkit.PlatformConfig(t, service.Name, iss)}
	c.Platform.HTTPAddr = ""
	if cfg != nil {
		cfg(&c)
	}
	m, _ := testkit.Open(t, service.Open, c)
	return &env{m: m, iss: iss, doc: testkit.Checker(t, service.Name), pledged: testkit.Record(t, m.P.Bus, "donation", nil)}
}

// call drives the service over HTTP and checks every answer against the
// OpenAPI document.
func (e *env) call(t *testing.T, method, path, token, body string) (int, map[string]any) {
	t.Helper()
	r := testkit.Call(t, e.m.Handler(), e.doc, method, path, token, body)
	return r.Status, r.Object()
}

func (e *env) raw(t *testing.T, method, path, token, body string) (int, []byte) {
	t.Helper()
	r := testkit.Call(t, e.m.Handler(), e.doc, method, path, token, body)
	return r.Status, r.Body
}

func (e *env) publish(t *testing.T, source string, p events.Payload, m events.Meta) {
	t.Helper()
	testkit.Publish(t, e.m.P.Bus, events.MustNew(source, p, m))
}

// hospital registers a hospital as the registry would announce it.
func (e *env) hospital(t *testing.T, name, region string) testkit.Org {
	t.Helper()
	o := e.iss.Org(t, auth.Hospital, region)
	e.publish(t, "registry", events.OrgRegistered{OrgID: o.ID, Name: name, Role: auth.Hospital, Region: region, FacilityType: "designated"},
		events.Meta{Subject: o.ID, OrgID: o.ID})
	// Wait for the org itself, not only for caughtUp: consumer info may
	// report nothing pending for a moment after a publish (seen as a rare
	// 422 "no hospital with this id is registered").
	testkit.Eventually(t, 10*time.Second, func() bool {
		_, err := e.m.App.Orgs.Get(context.Background(), o.ID)
		return err == nil
	}, "hospital %s recorded", o.ID)
	return o
}

func (e *env) caughtUp(t *testing.T) {
	t.Helper()
	testkit.Eventually(t, 10*time.Second, func() bool { return e.m.P.CaughtUp(context.Background()) }, "consumers caught up")
}

func (e *env) allocate(t *testing.T, typ string, a events.Allocation) {
	t.Helper()
	e.publish(t, "matcher", events.AllocationEvent{Type: typ, Allocation: a}, events.Meta{Subject: a.AllocationID, OrgID: a.SourceOrgID, Item: a.Item})
}

func num(v any) int64 { f, _ := v.(float64); return int64(f) }

func TestDonationJourney(t *testing.T) {
	e := boot(t, nil)
	donor := e.iss.Org(t, auth.Donor, "330100")
	h := e.hospital(t, "Wuhan Jinyintan Hospital", "420100")
	e.caughtUp(t)

	code, d := e.call(t, "POST", "/v1/donations", donor.Token,
		`{"items":[{"item":"n95-respirator","quantity":2000},{"item":"goggles","quantity":300,"standard":"GB 32166.1"}],"hospital_id":"`+h.ID+`","public_name":"Hangzhou Rotary Club"}`)
	if code != 201 {
		t.Fatalf("pledge: %d %v", code, d)
	}
	id := d["id"].(string)
	tracking := d["tracking_code"].(string)
	items := d["items"].([]any)
	if !strings.HasPrefix(id, "don_") || len(tracking) != 16 || d["donor_id"] != donor.ID || d["hospital_id"] != h.ID || d["public_name"] != "Hangzhou Rotary Club" ||
		d["anonymous"] != false || d["status"] != "pledged" || len(items) != 2 || items[0].(map[string]any)["standard"] != "GB 19083" ||
		items[1].(map[string]any)["offer_id"] != id+"/1" {
		t.Fatalf("pledge: %v", d)
	}

	// The matcher allocates, the donor ships, the hospital receives.
	a := events.Allocation{AllocationID: "alloc_1", NeedID: "need_1", HospitalID: h.ID, HospitalRegion: "420100", Item: "n95-respirator",
		Quantity: 1500, SourceKind: "donation", SourceID: id + "/0", SourceOrgID: donor.ID, SourceRegion: "330100",
		DecidedBy: "policy-v1", Reason: "directed gift", CreatedAt: "2020-02-03T09:00:00Z"}
	for i, step := range []struct{ typ, status, at string }{
		{events.AllocationProposedType, "proposed", "2020-02-03T09:00:00Z"},
		{events.AllocationAcceptedType, "accepted", "2020-02-03T09:00:01Z"},
		{events.AllocationDispatchedType, "dispatched", "2020-02-04T07:30:00Z"},
		{events.AllocationReceivedType, "delivered", "2020-02-05T16:45:00Z"},
	} {
		a.Version, a.Status, a.UpdatedAt = int64(i+1), step.status, step.at
		if step.status == "dispatched" || step.status == "delivered" {
			a.ShippedQuantity = 1500
		}
		if step.status == "delivered" {
			a.ReceivedQuantity, a.DamagedQuantity = 1490, 10
		}
		e.allocate(t, step.typ, a)
	}
	e.caughtUp(t)

	for _, typed := range []string{tracking, strings.ToLower(tracking), strings.ReplaceAll(tracking, "-", ""), url.PathEscape(strings.ReplaceAll(tracking, "-", " "))} {
		code, j := e.call(t, "GET", "/v1/public/donations/"+typed, "", "")
		if code != 200 {
			t.Fatalf("journey by %q: %d %v", typed, code, j)
		}
		if j["tracking_code"] != tracking || j["donor_name"] != "Hangzhou Rotary Club" || j["status"] != "partially_allocated" {
			t.Errorf("journey %v", j)
		}
		ji := j["items"].([]any)[0].(map[string]any)
		if num(ji["pledged"]) != 2000 || num(ji["allocated"]) != 1500 || num(ji["dispatched"]) != 1500 || num(ji["delivered"]) != 1490 {
			t.Errorf("journey item %v", ji)
		}
		ja := j["allocations"].([]any)[0].(map[string]any)
		if ja["hospital_name"] != "Wuhan Jinyintan Hospital" || ja["hospital_region"] != "420100" || ja["status"] != "delivered" ||
			ja["allocated_at"] != "2020-02-03T09:00:00Z" || ja["dispatched_at"] != "2020-02-04T07:30:00Z" || ja["delivered_at"] != "2020-02-05T16:45:00Z" {
			t.Errorf("journey allocation %v", ja)
		}
		if _, ok := ja["hospital_id"]; ok {
			t.Errorf("the journey names hospitals by their public name only: %v", ja)
		}
	}

	code, got := e.call(t, "GET", "/v1/donations/"+id, donor.Token, "")
	if code != 200 || len(got["allocations"].([]any)) != 1 {
		t.Fatalf("get: %d %v", code, got)
	}
	ga := got["allocations"].([]any)[0].(map[string]any)
	if ga["id"] != "alloc_1" || ga["hospital_id"] != h.ID || ga["hospital_name"] != "Wuhan Jinyintan Hospital" || num(ga["damaged_quantity"]) != 10 {
		t.Errorf("donor's view of the allocation: %v", ga)
	}

	for _, bad := range []string{"AAAA-AAAA-AAAA-A", "nonsense", "AF7K-2MXQ-9RTB-0"} {
		code, p := e.call(t, "GET", "/v1/public/donations/"+bad, "", "")
		if code != 404 || p["status"] != float64(404) {
			t.Errorf("unknown code %s: %d %v", bad, code, p)
		}
	}

	testkit.Eventually(t, 5*time.Second, func() bool { return len(e.pledged.Events()) == 1 }, "donation_pledged on the bus")
	v, err := validator.New()
	if err != nil {
		t.Fatal(err)
	}
	ev := e.pledged.Events()[0]
	raw, _ := json.Marshal(ev)
	if err := v.Event(raw); err != nil {
		t.Errorf("event does not match its schema: %v", err)
	}
	var data events.DonationPledged
	_ = ev.Decode(&data)
	if ev.Subject != id || ev.OrgID != donor.ID || ev.Item != "" || data.DirectedHospitalID != h.ID || data.Region != "330100" ||
		data.PublicName != "Hangzhou Rotary Club" || len(data.Lines) != 2 || data.Lines[1].OfferID != id+"/1" || data.Lines[1].Standard != "GB 32166.1" {
		t.Errorf("event %+v %+v", ev, data)
	}
	if strings.Contains(string(raw), strings.ReplaceAll(tracking, "-", "")) {
		t.Error("the tracking code is the donor's key and stays out of events")
	}
}

func TestPledgeValidation(t *testing.T) {
	e := boot(t, nil)
	donor := e.iss.Org(t, auth.Donor, "330100")
	mfr := e.iss.Org(t, auth.Manufacturer, "320500")
	e.publish(t, "registry", events.OrgRegistered{OrgID: mfr.ID, Name: "Suzhou Masks", Role: auth.Manufacturer, Region: "320500"}, events.Meta{Subject: mfr.ID})
	h := e.hospital(t, "Wuhan Jinyintan Hospital", "420100")
	e.caughtUp(t)
	tests := []struct {
		name, body string
		code       int
		field      string
	}{
		{"no items", `{"items":[]}`, 422, "items"},
		{"unknown item", `{"items":[{"item":"n95","quantity":1}]}`, 422, "items[0].item"},
		{"zero", `{"items":[{"item":"goggles","quantity":0}]}`, 422, "items[0].quantity"},
		{"above the item's maximum", `{"items":[{"item":"ventilator","quantity":501}]}`, 422, "items[0].quantity"},
		{"foreign standard", `{"items":[{"item":"goggles","quantity":1,"standard":"GB 19083"}]}`, 422, "items[0].standard"},
		{"bad region", `{"items":[{"item":"goggles","quantity":1}],"region":"12345"}`, 422, "region"},
		{"unknown hospital", `{"items":[{"item":"goggles","quantity":1}],"hospital_id":"org_nobody"}`, 422, "hospital_id"},
		{"not a hospital", `{"items":[{"item":"goggles","quantity":1}],"hospital_id":"` + mfr.ID + `"}`, 422, "hospital_id"},
		{"hospital outside the region", `{"items":[{"item":"goggles","quantity":1}],"hospital_id":"` + h.ID + `","region":"330000"}`, 422, "hospital_id"},
		{"long name", `{"items":[{"item":"goggles","quantity":1}],"public_name":"` + strings.Repeat("x", 101) + `"}`, 422, "public_name"},
		{"phone in a public name", `{"items":[{"item":"goggles","quantity":1}],"public_name":"张伟 138-0013-8000"}`, 422, "public_name"},
		{"e-mail in a public name", `{"items":[{"item":"goggles","quantity":1}],"public_name":"zw@example.com"}`, 422, "public_name"},
		{"identity card in a public name", `{"items":[{"item":"goggles","quantity":1}],"public_name":"11010519491231002X"}`, 422, "public_name"},
		{"fractional quantity", `{"items":[{"item":"goggles","quantity":1.5}]}`, 400, ""},
		{"unknown field", `{"items":[{"item":"goggles","quantity":1}],"status":"delivered"}`, 400, ""},
		{"not JSON", `{"items":`, 400, ""},
	}
	for _, tt := range tests {
		code, p := e.call(t, "POST", "/v1/donations", donor.Token, tt.body)
		if code != tt.code {
			t.Errorf("%s: %d %v", tt.name, code, p)
			continue
		}
		if tt.field != "" {
			errs, _ := p["errors"].([]any)
			if len(errs) != 1 || errs[0].(map[string]any)["field"] != tt.field {
				t.Errorf("%s: errors %v, want one for %s", tt.name, p["errors"], tt.field)
			}
		}
	}
	if code, d := e.call(t, "POST", "/v1/donations", donor.Token, `{"items":[{"item":"goggles","quantity":1}],"hospital_id":"`+h.ID+`","region":"420000"}`); code != 201 {
		t.Errorf("hospital inside the directed province: %d %v", code, d)
	}
}

// Personal data fed in must come out nowhere public: not in the journey,
// not in any event, and (as the name of an anonymous donor is never kept)
// not in the database either.
func TestNoPersonalDataInPublic(t *testing.T) {
	e := boot(t, nil)
	donor := e.iss.Org(t, auth.Donor, "330100")
	h := e.hospital(t, "Wuhan Jinyintan Hospital", "420100")
	e.caughtUp(t)
	secrets := []string{"张伟", "13800138000", "zhangwei@example.com", "11010519491231002X"}
	name := strings.Join(secrets, " ")
	code, d := e.call(t, "POST", "/v1/donations", donor.Token,
		`{"items":[{"item":"surgical-mask","quantity":1000}],"region":"420100","public_name":"`+name+`","anonymous":true}`)
	if code != 201 {
		t.Fatalf("anonymous pledge: %d %v", code, d)
	}
	id, tracking := d["id"].(string), d["tracking_code"].(string)
	e.allocate(t, events.AllocationProposedType, events.Allocation{AllocationID: "alloc_9", Version: 1, Status: "proposed", NeedID: "need_9",
		HospitalID: h.ID, HospitalRegion: "420100", Item: "surgical-mask", Quantity: 1000, SourceKind: "donation", SourceID: id + "/0",
		SourceOrgID: donor.ID, CreatedAt: "2020-02-03T09:00:00Z", UpdatedAt: "2020-02-03T09:00:00Z"})
	e.caughtUp(t)

	created := string(mustJSON(t, d))
	_, journey := e.raw(t, "GET", "/v1/public/donations/"+tracking, "", "")
	_, own := e.raw(t, "GET", "/v1/donations/"+id, donor.Token, "")
	if !strings.Contains(string(journey), "Wuhan Jinyintan Hospital") {
		t.Fatalf("the journey should show the allocation: %s", journey)
	}
	testkit.Eventually(t, 5*time.Second, func() bool { return len(e.pledged.Events()) == 1 }, "donation_pledged on the bus")
	evs := mustJSON(t, e.pledged.Events())
	var stored []bson.M
	cur, err := e.m.P.DB.Collection("donations").Find(context.Background(), bson.D{})
	if err != nil || cur.All(context.Background(), &stored) != nil {
		t.Fatal(err)
	}
	places := map[string]string{"201 answer": created, "public journey": string(journey), "donor's own view": string(own),
		"events": string(evs), "database": string(mustJSON(t, stored))}
	for where, text := range places {
		for _, s := range secrets {
			if strings.Contains(text, s) {
				t.Errorf("%q appears in the %s: %s", s, where, text)
			}
		}
	}
	for _, field := range []string{"donor_id", "donor_name", "hospital_id", "token", "public_name"} {
		if strings.Contains(string(journey), `"`+field+`"`) {
			t.Errorf("the journey carries %s: %s", field, journey)
		}
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// lookup calls the public journey from a client address, with an optional
// X-Forwarded-For, and checks the answer against the OpenAPI document.
func (e *env) lookup(t *testing.T, code, remote, xff string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest("GET", "/v1/public/donations/"+code, nil)
	req.RemoteAddr = remote
	if xff != "" {
		req.Header.Set("X-Forwarded-For", xff)
	}
	rec := httptest.NewRecorder()
	e.m.Handler().ServeHTTP(rec, req)
	if err := e.doc.Response("GET", "/v1/public/donations/"+code, rec.Code, rec.Header().Get("Content-Type"), rec.Body.Bytes()); err != nil {
		t.Errorf("lookup: %v", err)
	}
	return rec
}

func TestPublicLookupIsRateLimitedPerClient(t *testing.T) {
	e := boot(t, func(c *service.Config) { c.LookupsPerMinute, c.LookupBurst = 1, 3 })
	donor := e.iss.Org(t, auth.Donor, "330100")
	_, d := e.call(t, "POST", "/v1/donations", donor.Token, `{"items":[{"item":"goggles","quantity":5}]}`)
	code := d["tracking_code"].(string)
	// A real code followed again and again costs nothing: only misses count.
	for i := range 10 {
		if rec := e.lookup(t, code, "203.0.113.7:4000", ""); rec.Code != 200 {
			t.Fatalf("lookup %d of a real code: %d %s", i+1, rec.Code, rec.Body)
		}
	}
	for i, c := range []string{"AF7K-2MXQ-9RTB-H", "not-a-code", "AF7K-2MXQ-9RTB-J"} {
		if rec := e.lookup(t, c, "203.0.113.7:4000", ""); rec.Code != 404 {
			t.Fatalf("miss %d: %d %s", i+1, rec.Code, rec.Body)
		}
	}
	// A new X-Forwarded-For per request does not escape the limit: no
	// proxy is trusted, so the header is ignored.
	rec := e.lookup(t, code, "203.0.113.7:4001", "198.51.100.1")
	var p map[string]any
	_ = json.Unmarshal(rec.Body.Bytes(), &p)
	if rec.Code != 429 || rec.Header().Get("Content-Type") != "application/problem+json" || p["status"] != float64(429) ||
		rec.Header().Get("Retry-After") != "60" {
		t.Fatalf("past the limit: %d %v Retry-After %q", rec.Code, p, rec.Header().Get("Retry-After"))
	}
	if rec := e.lookup(t, code, "198.51.100.2:4000", ""); rec.Code != 200 {
		t.Errorf("another client is limited apart: %d", rec.Code)
	}
}

func TestTrustedProxyForwardsTheClientAddress(t *testing.T) {
	nets, err := httpx.ParseCIDRs([]string{"10.0.0.0/8"})
	if err != nil {
		t.Fatal(err)
	}
	e := boot(t, func(c *service.Config) { c.LookupsPerMinute, c.LookupBurst, c.Platform.TrustedProxies = 1, 1, nets })
	if rec := e.lookup(t, "AF7K-2MXQ-9RTB-H", "10.0.0.5:80", "198.51.100.1"); rec.Code != 404 {
		t.Fatalf("first: %d", rec.Code)
	}
	if rec := e.lookup(t, "AF7K-2MXQ-9RTB-H", "10.0.0.6:80", "198.51.100.1"); rec.Code != 429 {
		t.Errorf("the same client behind another proxy: %d, want 429", rec.Code)
	}
	if rec := e.lookup(t, "AF7K-2MXQ-9RTB-H", "10.0.0.5:80", "198.51.100.2"); rec.Code != 404 {
		t.Errorf("another client behind the same proxy: %d, want 404", rec.Code)
	}
}

func TestConfigFromEnvironment(t *testing.T) {
	lookups := func(perMinute, burst, proxies int) func(service.Config) bool {
		return func(c service.Config) bool {
			return c.LookupsPerMinute == perMinute && c.LookupBurst == burst && len(c.Platform.TrustedProxies) == proxies
		}
	}
	testkit.ConfigCases(t, service.LoadConfig, testkit.PlatformEnv(t), []testkit.ConfigCase[service.Config]{
		{Name: "defaults", Check: lookups(30, 10, 0)},
		{Name: "set", Env: map[string]string{"DONATION_LOOKUPS_PER_MINUTE": "120", "DONATION_LOOKUP_BURST": "20", "AIDFLOW_TRUSTED_PROXIES": "10.0.0.0/8, 192.0.2.1"},
			Check: lookups(120, 20, 2)},
		{Name: "no lookups", Env: map[string]string{"DONATION_LOOKUPS_PER_MINUTE": "0"}, WantErr: "DONATION_LOOKUPS_PER_MINUTE"},
		{Name: "negative burst", Env: map[string]string{"DONATION_LOOKUP_BURST": "-1"}, WantErr: "DONATION_LOOKUP_BURST"},
		{Name: "bad proxies", Env: map[string]string{"AIDFLOW_TRUSTED_PROXIES": "not-a-range"}, WantErr: "AIDFLOW_TRUSTED_PROXIES"},
	}...)
}

func TestIdempotentPledge(t *testing.T) {
	e := boot(t, nil)
	donor := e.iss.Org(t, auth.Donor, "330100")
	send := func() map[string]any {
		req := httptest.NewRequest("POST", "/v1/donations", strings.NewReader(`{"items":[{"item":"goggles","quantity":5}]}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+donor.Token)
		req.Header.Set("Idempotency-Key", "pledge-1")
		rec := httptest.NewRecorder()
		e.m.Handler().ServeHTTP(rec, req)
		var out map[string]any
		_ = json.Unmarshal(rec.Body.Bytes(), &out)
		if rec.Code != 201 {
			t.Fatalf("%d %v", rec.Code, out)
		}
		return out
	}
	first, second := send(), send()
	if first["id"] != second["id"] || first["tracking_code"] != second["tracking_code"] {
		t.Errorf("a retried pledge made a second donation: %v %v", first, second)
	}
}

// Every route, every role: who may do what.
func TestAuthorizationMatrix(t *testing.T) {
	e := boot(t, nil)
	donor := e.iss.Org(t, auth.Donor, "330100")
	tokens := map[string]string{
		"none": "", "forged": "aft1.e30.AAAA", "donor": donor.Token,
		"other donor":  e.iss.Org(t, auth.Donor, "330100").Token,
		"hospital":     e.iss.Org(t, auth.Hospital, "420100").Token,
		"manufacturer": e.iss.Org(t, auth.Manufacturer, "320500").Token,
		"regulator":    e.iss.Org(t, auth.Regulator, "110000").Token,
	}
	code, d := e.call(t, "POST", "/v1/donations", donor.Token, `{"items":[{"item":"goggles","quantity":5}]}`)
	if code != 201 {
		t.Fatalf("pledge: %d %v", code, d)
	}
	id, tracking := d["id"].(string), d["tracking_code"].(string)
	routes := []struct {
		method, path, body string
		allowed            map[string]int // others: 403 (401 without a valid token)
		public             bool
	}{
		{"POST", "/v1/donations", `{"items":[{"item":"goggles","quantity":5}]}`, map[string]int{"donor": 201, "other donor": 201}, false},
		{"GET", "/v1/donations/" + id, "", map[string]int{"donor": 200, "regulator": 200, "other donor": 404, "hospital": 404, "manufacturer": 404}, false},
		{"GET", "/v1/donations/don_unknown", "", map[string]int{"donor": 404, "regulator": 404, "other donor": 404, "hospital": 404, "manufacturer": 404}, false},
		{"GET", "/v1/public/donations/" + tracking, "", nil, true},
	}
	for _, r := range routes {
		for who, tok := range tokens {
			want, ok := r.allowed[who]
			switch {
			case r.public:
				want = 200
			case who == "none" || who == "forged":
				want = 401
			case !ok:
				want = 403
			}
			if code, p := e.call(t, r.method, r.path, tok, r.body); code != want {
				t.Errorf("%s %s as %s: %d, want %d (%v)", r.method, r.path, who, code, want, p)
			}
		}
	}
}

// TestOverdueSweepFlagsDirectedGifts boots the service with a sweep every
// second and a clock the test moves three days on, so the cron wiring, the
// event and both answers are exercised.
func TestOverdueSweepFlagsDirectedGifts(t *testing.T) {
	var skew atomic.Int64
	e := boot(t, func(c *service.Config) {
		c.OverdueSchedule = "@every 1s"
		c.Clock = func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }
	})
	donor := e.iss.Org(t, auth.Donor, "330100")
	code, d := e.call(t, "POST", "/v1/donations", donor.Token, `{"items":[{"item":"goggles","quantity":5}],"region":"420000"}`)
	if code != 201 || d["due_at"] == nil || len(d["flags"].([]any)) != 0 {
		t.Fatalf("pledge: %d %v", code, d)
	}
	_, plain := e.call(t, "POST", "/v1/donations", donor.Token, `{"items":[{"item":"goggles","quantity":5}]}`)
	if _, ok := plain["due_at"]; ok {
		t.Errorf("an undirected gift has no due date: %v", plain)
	}
	id, tracking := d["id"].(string), d["tracking_code"].(string)
	skew.Store(int64(72*time.Hour + time.Minute))
	testkit.Eventually(t, 10*time.Second, func() bool {
		_, got := e.call(t, "GET", "/v1/donations/"+id, donor.Token, "")
		flags, _ := got["flags"].([]any)
		return len(flags) == 1 && flags[0] == "directed_gift_overdue" && got["overdue_flagged_at"] != nil
	}, "the directed gift flagged overdue")
	if _, got := e.call(t, "GET", "/v1/donations/"+plain["id"].(string), donor.Token, ""); len(got["flags"].([]any)) != 0 {
		t.Errorf("an undirected gift was flagged: %v", got)
	}
	_, j := e.call(t, "GET", "/v1/public/donations/"+tracking, "", "")
	if flags, _ := j["flags"].([]any); len(flags) != 1 || flags[0] != "directed_gift_overdue" || j["overdue_flagged_at"] == nil {
		t.Errorf("journey: %v", j)
	}
	v, err := validator.New()
	if err != nil {
		t.Fatal(err)
	}
	var overdue []events.Envelope
	testkit.Eventually(t, 5*time.Second, func() bool {
		overdue = overdue[:0]
		for _, ev := range e.pledged.Events() {
			if ev.Type == events.DirectedGiftOverdueType {
				overdue = append(overdue, ev)
			}
		}
		return len(overdue) == 1
	}, "directed_gift_overdue on the bus")
	raw, _ := json.Marshal(overdue[0])
	if err := v.Event(raw); err != nil {
		t.Errorf("the event does not match its schema: %v", err)
	}
	var data events.DirectedGiftOverdue
	if err := overdue[0].Decode(&data); err != nil || data.DonationID != id || data.DirectedRegion != "420000" || data.Pledged != 5 || data.Delivered != 0 {
		t.Errorf("event %+v %v", data, err)
	}
}

// TestJourneyShowsCorrections: the audit's corrections of an allocation's
// events show on the journey beside it, public fields only; the original
// stays as recorded.
func TestJourneyShowsCorrections(t *testing.T) {
	e := boot(t, nil)
	donor := e.iss.Org(t, auth.Donor, "330100")
	h := e.hospital(t, "Wuhan Jinyintan Hospital", "420100")
	e.caughtUp(t)
	code, d := e.call(t, "POST", "/v1/donations", donor.Token, `{"items":[{"item":"surgical-mask","quantity":1000}],"region":"420100"}`)
	if code != 201 {
		t.Fatalf("pledge: %d %v", code, d)
	}
	id, tracking := d["id"].(string), d["tracking_code"].(string)
	e.allocate(t, events.AllocationReceivedType, events.Allocation{AllocationID: "alloc_c", Version: 4, Status: "delivered", NeedID: "need_c",
		HospitalID: h.ID, HospitalRegion: "420100", Item: "surgical-mask", Quantity: 1000, ShippedQuantity: 1000, ReceivedQuantity: 100,
		SourceKind: "donation", SourceID: id + "/0", SourceOrgID: donor.ID, CreatedAt: "2020-02-03T09:00:00Z", UpdatedAt: "2020-02-05T09:00:00Z"})
	e.caughtUp(t)
	e.publish(t, "audit", events.RecordCorrected{CorrectsEventID: "ev_1", CorrectsIndex: 7, CorrectsType: events.AllocationReceivedType,
		Reason: "100 was typed for 1000", Corrected: json.RawMessage(`{"received_quantity": 1000, "contact": "13800138000"}`), CorrectedBy: h.ID},
		events.Meta{Subject: "alloc_c", OrgID: h.ID, Item: "surgical-mask"})
	// Wait on the state, not the public route: that one is rate limited.
	testkit.Eventually(t, 10*time.Second, func() bool {
		got, err := e.m.App.Donations.Get(context.Background(), id)
		return err == nil && len(got.Corrections) == 1
	}, "the correction recorded")
	rec := e.lookup(t, tracking, "192.0.2.7:1234", "")
	body := rec.Body.String()
	if rec.Code != 200 || !strings.Contains(body, "100 was typed for 1000") {
		t.Fatalf("journey %d %s", rec.Code, body)
	}
	var j struct {
		Corrections []any `json:"corrections"`
		Allocations []struct {
			ReceivedQuantity int64 `json:"received_quantity"`
			Corrections      []struct {
				CorrectsType string         `json:"corrects_type"`
				Corrected    map[string]any `json:"corrected"`
			} `json:"corrections"`
		} `json:"allocations"`
	}
	if err := json.Unmarshal([]byte(body), &j); err != nil {
		t.Fatal(err)
	}
	if len(j.Corrections) != 0 || len(j.Allocations) != 1 || j.Allocations[0].ReceivedQuantity != 100 || len(j.Allocations[0].Corrections) != 1 {
		t.Fatalf("journey %s", body)
	}
	c := j.Allocations[0].Corrections[0]
	if c.CorrectsType != events.AllocationReceivedType || len(c.Corrected) != 1 || c.Corrected["received_quantity"] != float64(1000) {
		t.Errorf("correction %+v", c)
	}
	if strings.Contains(body, "13800138000") || strings.Contains(body, h.ID) {
		t.Errorf("the journey shows private data: %s", body)
	}
}
