package service_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/contracts/openapi/conform"
	"github.com/aidflow/aidflow/contracts/schemas/validator"
	"github.com/aidflow/aidflow/services/supply/service"
	"github.com/aidflow/aidflow/shared/auth"
	"github.com/aidflow/aidflow/shared/testkit"
)

type env struct {
	m   *service.Main
	iss *testkit.Issuer
	doc *conform.Checker

	reported *testkit.Recorder // capacity_reported events seen on the bus
}

func boot(t *testing.T) *env {
	t.Helper()
	iss := testkit.NewIssuer(t)
	cfg := service.Config{Platform: testkit.PlatformConfig(t, service.Name, iss)}
	cfg.Platform.HTTPAddr = ""
	m, _ := testkit.Open(t, service.Open, cfg)
	return &env{m: m, iss: iss, doc: testkit.Checker(t, service.Name),
		reported: testkit.Record(t, m.P.Bus, "supply", []string{events.CapacityReportedType})}
}

// call drives the service over HTTP. Answers to documented requests are
// checked against the OpenAPI document unless the test says otherwise.
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

func (e *env) publish(t *testing.T, typ string, a events.Allocation) events.Envelope {
	t.Helper()
	ev := events.MustNew("matcher", events.AllocationEvent{Type: typ, Allocation: a},
		events.Meta{Subject: a.AllocationID, OrgID: a.SourceOrgID, Item: a.Item})
	testkit.Publish(t, e.m.P.Bus, ev)
	return ev
}

func (e *env) caughtUp(t *testing.T) {
	t.Helper()
	testkit.Eventually(t, 10*time.Second, func() bool { return e.m.P.CaughtUp(context.Background()) }, "allocation consumer caught up")
}

func (e *env) capacity(t *testing.T, token, item string) map[string]any {
	t.Helper()
	code, list := e.call(t, "GET", "/v1/capacity?item="+item, token, "")
	if code != 200 {
		t.Fatalf("list: %d %v", code, list)
	}
	items := list["items"].([]any)
	if len(items) != 1 {
		t.Fatalf("want one report of %s, got %v", item, items)
	}
	return items[0].(map[string]any)
}

func num(v any) int64 { f, _ := v.(float64); return int64(f) }

func TestCapacityFollowsAllocations(t *testing.T) {
	e := boot(t)
	mfr := e.iss.Org(t, auth.Manufacturer, "320500")
	code, c := e.call(t, "PUT", "/v1/capacity/n95-respirator", mfr.Token, `{"available_now":10000,"daily_rate":2000,"lead_time_days":1}`)
	if code != 200 {
		t.Fatalf("report: %d %v", code, c)
	}
	id := "cap_" + mfr.ID + "_n95-respirator"
	if c["id"] != id || c["manufacturer_id"] != mfr.ID || c["region"] != "320500" || c["standard"] != "GB 19083" ||
		num(c["available_now"]) != 10000 || num(c["reserved"]) != 0 || num(c["remaining"]) != 10000 || num(c["revision"]) != 1 {
		t.Fatalf("report: %v", c)
	}
	if _, ok := c["unit_price"]; ok {
		t.Errorf("no price given, none shown: %v", c["unit_price"])
	}

	base := events.Allocation{AllocationID: "alloc_1", NeedID: "need_1", HospitalID: "org_h", HospitalRegion: "420100",
		Item: "n95-respirator", Quantity: 6000, SourceKind: "capacity", SourceID: id, SourceOrgID: mfr.ID, SourceRegion: "320500",
		DecidedBy: "policy-v1", Reason: "nearest source", CreatedAt: "2020-02-03T08:00:00Z", UpdatedAt: "2020-02-03T08:00:00Z"}
	a := base
	a.Version, a.Status = 1, "proposed"
	e.publish(t, events.AllocationProposedType, a)
	// Another source's allocation and a donation's are not this report's.
	d := base
	d.AllocationID, d.Version, d.Status, d.SourceKind, d.SourceID = "alloc_2", 1, "proposed", "donation", "don_x/0"
	e.publish(t, events.AllocationProposedType, d)
	e.caughtUp(t)
	c = e.capacity(t, mfr.Token, "n95-respirator")
	if num(c["reserved"]) != 6000 || num(c["remaining"]) != 4000 || num(c["available_now"]) != 10000 {
		t.Fatalf("after proposal: %v", c)
	}

	code, p := e.call(t, "PUT", "/v1/capacity/n95-respirator", mfr.Token, `{"available_now":5999,"daily_rate":2000,"lead_time_days":1}`)
	if code != 409 || !strings.Contains(p["detail"].(string), "6000") {
		t.Fatalf("lowering below reserved: %d %v", code, p)
	}

	a.Version, a.Status = 2, "accepted"
	e.publish(t, events.AllocationAcceptedType, a)
	a.Version, a.Status, a.ShippedQuantity = 3, "dispatched", 6000
	dispatched := e.publish(t, events.AllocationDispatchedType, a)
	e.caughtUp(t)
	c = e.capacity(t, mfr.Token, "n95-respirator")
	if num(c["available_now"]) != 4000 || num(c["reserved"]) != 0 || num(c["remaining"]) != 4000 {
		t.Fatalf("after dispatch: %v", c)
	}

	// The same snapshot again under a new event id (a producer retry past
	// the duplicate window) lowers nothing twice.
	again := dispatched
	again.ID = events.NewID()
	if err := e.m.P.Bus.Publish(context.Background(), again); err != nil {
		t.Fatal(err)
	}
	e.caughtUp(t)
	if c = e.capacity(t, mfr.Token, "n95-respirator"); num(c["available_now"]) != 4000 {
		t.Fatalf("a replayed dispatch lowered stock again: %v", c)
	}

	code, c = e.call(t, "PUT", "/v1/capacity/n95-respirator", mfr.Token, `{"available_now":9000,"daily_rate":2500,"lead_time_days":0,"standard":"GB 2626"}`)
	if code != 200 || num(c["revision"]) != 2 || c["standard"] != "GB 2626" || num(c["remaining"]) != 9000 {
		t.Fatalf("new report: %d %v", code, c)
	}

	// A misbehaving matcher reserves more than remains: recorded, remaining
	// shows 0 with the excess beside it, and the report cannot be lowered.
	over := base
	over.AllocationID, over.Version, over.Status, over.Quantity = "alloc_3", 1, "proposed", 9500
	e.publish(t, events.AllocationProposedType, over)
	e.caughtUp(t)
	if c = e.capacity(t, mfr.Token, "n95-respirator"); num(c["reserved"]) != 9500 || num(c["remaining"]) != 0 || num(c["over_reserved"]) != 500 {
		t.Fatalf("over-reserved: %v", c)
	}
	if code, p := e.call(t, "PUT", "/v1/capacity/n95-respirator", mfr.Token, `{"available_now":9000,"daily_rate":2500,"lead_time_days":0}`); code != 409 {
		t.Fatalf("lowering below an over-reservation: %d %v", code, p)
	}

	testkit.Eventually(t, 5*time.Second, func() bool { return len(e.reported.Events()) == 2 }, "two capacity_reported events on the bus")
	v, err := validator.New()
	if err != nil {
		t.Fatal(err)
	}
	for i, ev := range e.reported.Events() {
		raw, _ := json.Marshal(ev)
		if err := v.Event(raw); err != nil {
			t.Errorf("event %d does not match its schema: %v", i, err)
		}
		var data events.CapacityReported
		_ = ev.Decode(&data)
		if ev.Subject != id || ev.OrgID != mfr.ID || ev.Item != "n95-respirator" || data.Revision != int64(i+1) || data.Region != "320500" {
			t.Errorf("event %d: %+v %+v", i, ev, data)
		}
	}
}

func TestUnitPriceInYuan(t *testing.T) {
	e := boot(t)
	mfr := e.iss.Org(t, auth.Manufacturer, "320500")
	tests := []struct {
		price string
		code  int
		shown string
	}{
		{"12.5", 200, "12.50"}, {"0", 200, "0.00"}, {"3", 200, "3.00"}, {"null", 200, ""},
		{"12.345", 422, ""}, {"-1", 422, ""}, {`"12.50"`, 422, ""}, {"1e3", 422, ""}, {"10000000.01", 422, ""},
	}
	for _, tt := range tests {
		code, raw := e.raw(t, "PUT", "/v1/capacity/surgical-mask", mfr.Token,
			`{"available_now":1,"daily_rate":1,"lead_time_days":1,"unit_price":`+tt.price+`}`)
		var c map[string]json.RawMessage
		_ = json.Unmarshal(raw, &c)
		if code != tt.code || string(c["unit_price"]) != tt.shown {
			t.Errorf("unit_price %s: %d %s", tt.price, code, raw)
		}
	}
}

func TestReportValidation(t *testing.T) {
	e := boot(t)
	mfr := e.iss.Org(t, auth.Manufacturer, "320500")
	tests := []struct {
		name, item, body string
		code             int
		fields           []string
	}{
		{"missing numbers", "n95-respirator", `{}`, 422, []string{"available_now", "daily_rate", "lead_time_days"}},
		{"negative and too large", "n95-respirator", `{"available_now":-1,"daily_rate":100000000000,"lead_time_days":400}`, 422, []string{"available_now", "daily_rate", "lead_time_days"}},
		{"foreign standard", "n95-respirator", `{"available_now":1,"daily_rate":1,"lead_time_days":1,"standard":"YY 0469"}`, 422, []string{"standard"}},
		{"fractional units", "n95-respirator", `{"available_now":1.5,"daily_rate":1,"lead_time_days":1}`, 400, nil},
		{"unknown field", "n95-respirator", `{"available_now":1,"daily_rate":1,"lead_time_days":1,"reserved":0}`, 400, nil},
		{"not JSON", "n95-respirator", `{"available_now":`, 400, nil},
		{"unknown item", "n95-mask", `{"available_now":1,"daily_rate":1,"lead_time_days":1}`, 404, nil},
	}
	for _, tt := range tests {
		code, p := e.call(t, "PUT", "/v1/capacity/"+tt.item, mfr.Token, tt.body)
		if code != tt.code {
			t.Errorf("%s: %d %v", tt.name, code, p)
			continue
		}
		var got []string
		errs, _ := p["errors"].([]any)
		for _, fe := range errs {
			got = append(got, fe.(map[string]any)["field"].(string))
		}
		if tt.fields != nil && fmt.Sprint(got) != fmt.Sprint(tt.fields) {
			t.Errorf("%s: fields %v, want %v", tt.name, got, tt.fields)
		}
	}
	if code, _ := e.call(t, "GET", "/v1/capacity?item=n95", mfr.Token, ""); code != 422 {
		t.Errorf("unknown item filter: %d", code)
	}
	if code, _ := e.call(t, "GET", "/v1/capacity?cursor=not*base64", mfr.Token, ""); code != 400 {
		t.Errorf("bad cursor: %d", code)
	}
}

func TestListPages(t *testing.T) {
	e := boot(t)
	mfr := e.iss.Org(t, auth.Manufacturer, "320500")
	items := []string{"goggles", "n95-respirator", "surgical-mask", "ventilator"}
	for _, it := range items {
		if code, c := e.call(t, "PUT", "/v1/capacity/"+it, mfr.Token, `{"available_now":5,"daily_rate":1,"lead_time_days":1}`); code != 200 {
			t.Fatalf("%s: %d %v", it, code, c)
		}
	}
	var seen []string
	cursor := ""
	for range 10 {
		code, page := e.call(t, "GET", "/v1/capacity?limit=3&cursor="+cursor, mfr.Token, "")
		if code != 200 {
			t.Fatalf("page: %d %v", code, page)
		}
		for _, it := range page["items"].([]any) {
			seen = append(seen, it.(map[string]any)["item"].(string))
		}
		if cursor = page["next"].(string); cursor == "" {
			break
		}
	}
	if fmt.Sprint(seen) != fmt.Sprint(items) {
		t.Errorf("pages gave %v, want %v", seen, items)
	}
}

// Every route, every role: who may do what.
func TestAuthorizationMatrix(t *testing.T) {
	e := boot(t)
	mfr := e.iss.Org(t, auth.Manufacturer, "320500")
	other := e.iss.Org(t, auth.Manufacturer, "420100")
	reg := e.iss.Org(t, auth.Regulator, "110000")
	hosp := e.iss.Org(t, auth.Hospital, "420100")
	donor := e.iss.Org(t, auth.Donor, "330100")
	body := `{"available_now":10,"daily_rate":1,"lead_time_days":1}`
	if code, _ := e.call(t, "PUT", "/v1/capacity/goggles", other.Token, body); code != 200 {
		t.Fatal("other manufacturer's report")
	}
	tokens := map[string]string{"none": "", "forged": "aft1.e30.AAAA", "manufacturer": mfr.Token, "regulator": reg.Token,
		"hospital": hosp.Token, "donor": donor.Token}
	routes := []struct {
		method, path, body string
		allowed            map[string]int
	}{
		{"PUT", "/v1/capacity/n95-respirator", body, map[string]int{"manufacturer": 200}},
		{"GET", "/v1/capacity", "", map[string]int{"manufacturer": 200, "regulator": 200}},
		{"GET", "/v1/capacity/daily", "", map[string]int{"regulator": 200}},
	}
	for _, r := range routes {
		for who, tok := range tokens {
			want, ok := r.allowed[who]
			switch {
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
	// Another manufacturer's report is invisible, and a report only ever
	// replaces the caller's own.
	_, list := e.call(t, "GET", "/v1/capacity", mfr.Token, "")
	for _, it := range list["items"].([]any) {
		if it.(map[string]any)["manufacturer_id"] != mfr.ID {
			t.Errorf("manufacturer sees %v", it)
		}
	}
	if _, list := e.call(t, "GET", "/v1/capacity", reg.Token, ""); len(list["items"].([]any)) != 2 {
		t.Errorf("regulator sees %v", list["items"])
	}
	_, g := e.call(t, "GET", "/v1/capacity?item=goggles", other.Token, "")
	if items := g["items"].([]any); len(items) != 1 || num(items[0].(map[string]any)["available_now"]) != 10 {
		t.Errorf("the other manufacturer's report changed: %v", items)
	}
}

// Supply per day: today's rows add every report up, nationwide and per
// province; a report sent today counts as reported; bad input is 422.
func TestDailyCapacity(t *testing.T) {
	e := boot(t)
	hz := e.iss.Org(t, auth.Manufacturer, "330100")
	wh := e.iss.Org(t, auth.Manufacturer, "420100")
	reg := e.iss.Org(t, auth.Regulator, "110000")
	for _, m := range []struct {
		token string
		avail int
	}{{hz.Token, 1000}, {wh.Token, 500}} {
		if code, p := e.call(t, "PUT", "/v1/capacity/n95-respirator", m.token, fmt.Sprintf(`{"available_now":%d,"daily_rate":100,"lead_time_days":1}`, m.avail)); code != 200 {
			t.Fatalf("report: %d %v", code, p)
		}
	}
	code, list := e.call(t, "GET", "/v1/capacity/daily?days=2&item=n95-respirator", reg.Token, "")
	if code != 200 {
		t.Fatalf("daily: %d %v", code, list)
	}
	today := time.Now().In(time.FixedZone("CST", 8*3600)).Format(time.DateOnly)
	got := map[string]map[string]any{}
	for _, it := range list["items"].([]any) {
		r := it.(map[string]any)
		if r["date"] == today {
			got[r["province"].(string)] = r
		}
	}
	for _, w := range []struct {
		province        string
		avail, rate     int64
		sources, report int64
	}{{"", 1500, 200, 2, 2}, {"330000", 1000, 100, 1, 1}, {"420000", 500, 100, 1, 1}} {
		r := got[w.province]
		if r == nil || num(r["available_now"]) != w.avail || num(r["daily_rate"]) != w.rate || num(r["sources"]) != w.sources || num(r["reported"]) != w.report {
			t.Errorf("today in %q: %v", w.province, r)
		}
	}
	if len(list["items"].([]any)) != 3 {
		t.Errorf("yesterday had no reports, so only today's 3 rows: %v", list["items"])
	}
	for _, q := range []string{"days=0", "days=32", "days=week", "item=n95"} {
		if code, p := e.call(t, "GET", "/v1/capacity/daily?"+q, reg.Token, ""); code != 422 {
			t.Errorf("?%s: %d %v", q, code, p)
		}
	}
}
