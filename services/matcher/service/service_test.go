package service_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/contracts/openapi/conform"
	"github.com/aidflow/aidflow/services/matcher/adapters/mongo"
	"github.com/aidflow/aidflow/services/matcher/app"
	"github.com/aidflow/aidflow/services/matcher/domain"
	"github.com/aidflow/aidflow/services/matcher/domain/policy"
	"github.com/aidflow/aidflow/services/matcher/service"
	"github.com/aidflow/aidflow/shared/auth"
	"github.com/aidflow/aidflow/shared/bus"
	"github.com/aidflow/aidflow/shared/outbox"
	"github.com/aidflow/aidflow/shared/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

const wait = 45 * time.Second

// world is a matcher on embedded NATS and the embedded store, with the
// neighbours faked by publishing their events, and a follower recording
// every allocation event the matcher publishes.
type world struct {
	t     *testing.T
	cfg   service.Config
	iss   *testkit.Issuer
	m     *service.Main
	stop  func()
	bus   *bus.Bus
	check *conform.Checker
	today time.Time

	published *testkit.Recorder // the matcher's allocation events
}

func newWorld(t *testing.T, opts ...func(*service.Config)) *world {
	t.Helper()
	iss := testkit.NewIssuer(t)
	cfg := service.Config{Platform: testkit.PlatformConfig(t, service.Name, iss), AllocationTTL: 48 * time.Hour, ExpirySchedule: "off", SweepSchedule: "off"}
	cfg.Platform.HTTPAddr = ""
	for _, o := range opts {
		o(&cfg)
	}
	b := testkit.Bus(t, cfg.Platform.NATSURL)
	w := &world{t: t, cfg: cfg, iss: iss, bus: b, check: testkit.Checker(t, service.Name), today: app.Today(time.Now())}
	w.published = testkit.Record(t, b, "matcher", events.AllocationTypes)
	w.boot()
	t.Cleanup(func() { w.stop() })
	return w
}

// boot opens and runs the matcher on the world's NATS and database.
func (w *world) boot() {
	w.t.Helper()
	in := w.start(w.cfg.Partition, w.cfg.Holder)
	w.m, w.stop = in.m, in.stop
	testkit.Eventually(w.t, wait, func() bool { return in.m.Ready(context.Background()) == nil }, "matcher ready")
}

// restart stops the matcher as a deploy would and opens it again.
func (w *world) restart() {
	w.t.Helper()
	w.stop()
	w.boot()
}

func (w *world) publish(source string, data events.Payload, meta events.Meta) events.Envelope {
	w.t.Helper()
	e := events.MustNew(source, data, meta)
	testkit.Publish(w.t, w.bus, e)
	return e
}

func (w *world) hospital(o testkit.Org, facility string) {
	w.publish("registry", events.OrgRegistered{OrgID: o.ID, Name: "Hospital " + o.ID, Role: "hospital", Region: o.Region, FacilityType: facility},
		events.Meta{Subject: o.ID, OrgID: o.ID})
}

func (w *world) need(id string, h testkit.Org, item string, qty int64, urgency string) events.Envelope {
	return w.publish("demand", events.NeedPosted{NeedID: id, HospitalID: h.ID, Item: item, Quantity: qty, Urgency: urgency,
		NeededBy: w.today.AddDate(0, 0, 7).Format(time.DateOnly), Region: h.Region}, events.Meta{Subject: id, OrgID: h.ID, Item: item})
}

func (w *world) capacity(id string, m testkit.Org, item string, available, revision int64) events.Envelope {
	return w.publish("supply", events.CapacityReported{CapacityID: id, ManufacturerID: m.ID, Item: item, Region: m.Region,
		AvailableNow: available, Revision: revision}, events.Meta{Subject: id, OrgID: m.ID, Item: item})
}

// call sends a request and checks the answer against the matcher's
// OpenAPI document.
func (w *world) call(method, path, token, body string) (int, map[string]any) {
	w.t.Helper()
	r := testkit.Call(w.t, w.m.Handler(), w.check, method, path, token, body)
	return r.Status, r.Object()
}

// send sends a request with headers (name, value, ...) and returns the
// answer as it is.
func (w *world) send(method, path, token, body string, headers ...string) testkit.Response {
	w.t.Helper()
	return testkit.Call(w.t, w.m.Handler(), nil, method, path, token, body, headers...)
}

func (w *world) list(token, query string) []map[string]any {
	w.t.Helper()
	code, body := w.call("GET", "/v1/allocations"+query, token, "")
	if code != 200 {
		w.t.Fatalf("list: %d %v", code, body)
	}
	var out []map[string]any
	for _, it := range body["items"].([]any) {
		out = append(out, it.(map[string]any))
	}
	return out
}

// waitAllocations waits until the regulator sees n allocations matching keep.
func (w *world) waitAllocations(reg testkit.Org, n int, keep func(map[string]any) bool, what string) []map[string]any {
	w.t.Helper()
	var got []map[string]any
	deadline := time.Now().Add(wait)
	for {
		got = nil
		for _, a := range w.list(reg.Token, "?limit=200") {
			if keep == nil || keep(a) {
				got = append(got, a)
			}
		}
		if len(got) == n {
			return got
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("waited %s for %s: %d allocations, want %d: %v", wait, what, len(got), n, got)
		}
		time.Sleep(5 * time.Millisecond) // polling with a deadline
	}
}

// acked waits until the matcher's durable consumer has acknowledged the
// stream's events up to seq: handled, marked and acked, so a stop cannot
// leave one to be redelivered after the ack timeout.
func (w *world) acked(stream, consumer string, seq uint64) {
	w.t.Helper()
	testkit.Eventually(w.t, wait, func() bool {
		c, err := w.bus.JetStream().Consumer(context.Background(), events.StreamName(stream), consumer)
		if err != nil {
			return false
		}
		info, err := c.Info(context.Background())
		return err == nil && info.AckFloor.Stream >= seq
	}, "%s acknowledged %s up to %d", consumer, stream, seq)
}

// applied waits until the matcher holds what cond looks for. A handler
// updates the book and runs the policy under the matcher's one lock, so
// a command sent after this waits for that run to end.
func (w *world) applied(cond func(*app.App) bool, what string) {
	w.t.Helper()
	testkit.Eventually(w.t, wait, func() bool { return cond(w.m.App) }, what)
}

func (w *world) publishedOf(id string) []string {
	var types []string
	for _, e := range w.published.Events() {
		if e.Subject == id {
			types = append(types, strings.TrimSuffix(strings.TrimPrefix(e.Type, "aidflow.matcher.allocation_"), ".v1"))
		}
	}
	return types
}

func TestAllocationFlowOverHTTP(t *testing.T) {
	w := newWorld(t)
	hosp := w.iss.Org(t, "hospital", "420100")
	manu := w.iss.Org(t, "manufacturer", "330100")
	manu2 := w.iss.Org(t, "manufacturer", "110000")
	donor := w.iss.Org(t, "donor", "110000")
	reg := w.iss.Org(t, "regulator", "110000")

	w.hospital(hosp, "designated")
	w.need("need_v", hosp, "ventilator", 10, "critical")
	w.capacity("cap_v1", manu, "ventilator", 6, 1)
	w.capacity("cap_v2", manu2, "ventilator", 20, 1)

	all := w.waitAllocations(reg, 2, nil, "two allocations for the ventilator need")
	var mine map[string]any
	for _, a := range all {
		if a["source_org_id"] == manu.ID {
			mine = a
		}
	}
	if mine == nil || mine["quantity"] != 6.0 || mine["status"] != "proposed" || mine["decided_by"] != policy.Version ||
		!strings.Contains(mine["reason"].(string), "frontline") || mine["hospital_id"] != hosp.ID || mine["source_kind"] != "capacity" {
		t.Fatalf("the nearer source's allocation: %v (all %v)", mine, all)
	}
	id := mine["id"].(string)
	if got := w.list(manu.Token, ""); len(got) != 1 || got[0]["id"] != id {
		t.Fatalf("the manufacturer lists %v", got)
	}
	if got := w.list(hosp.Token, "?status=proposed"); len(got) != 2 {
		t.Fatalf("the hospital lists %d proposed", len(got))
	}

	code, a := w.call("POST", "/v1/allocations/"+id+"/accept", manu.Token, "")
	if code != 200 || a["status"] != "accepted" {
		t.Fatalf("accept: %d %v", code, a)
	}
	if code, _ := w.call("POST", "/v1/allocations/"+id+"/accept", manu.Token, ""); code != 409 {
		t.Fatalf("accept again: %d, want 409", code)
	}
	code, a = w.call("POST", "/v1/allocations/"+id+"/dispatch", manu.Token, `{"shipped_quantity":4,"carrier":"SF Express","tracking_number":"SF100"}`)
	if code != 200 || a["status"] != "dispatched" || a["shipped_quantity"] != 4.0 || a["tracking_number"] != "SF100" {
		t.Fatalf("dispatch: %d %v", code, a)
	}
	if code, p := w.call("POST", "/v1/allocations/"+id+"/dispatch", manu.Token, `{"shipped_quantity":3}`); code != 422 {
		t.Fatalf("dispatch past the quantity: %d %v", code, p)
	}
	if code, _ := w.call("POST", "/v1/allocations/"+id+"/dispatch", manu.Token, `{"shipped_quantity":2}`); code != 200 {
		t.Fatalf("dispatch the rest: %d", code)
	}
	code, a = w.call("POST", "/v1/allocations/"+id+"/receipt", hosp.Token, `{"received_quantity":4,"note":"first box"}`)
	if code != 200 || a["status"] != "dispatched" || a["received_quantity"] != 4.0 || a["receipt_note"] != "first box" {
		t.Fatalf("partial receipt: %d %v", code, a)
	}
	if code, _ := w.call("POST", "/v1/allocations/"+id+"/receipt", hosp.Token, `{"received_quantity":2,"damaged_quantity":1}`); code != 422 {
		t.Fatalf("receipt past what was shipped: %d", code)
	}
	code, a = w.call("POST", "/v1/allocations/"+id+"/receipt", hosp.Token, `{"received_quantity":1,"damaged_quantity":1}`)
	if code != 200 || a["status"] != "delivered" || a["received_quantity"] != 5.0 || a["damaged_quantity"] != 1.0 {
		t.Fatalf("final receipt: %d %v", code, a)
	}
	if _, got := w.call("GET", "/v1/allocations/"+id, manu.Token, ""); got["receipt_note"] != nil {
		t.Fatalf("the source sees the hospital's private note: %v", got)
	}
	testkit.Eventually(t, wait, func() bool {
		return fmt.Sprint(w.publishedOf(id)) == "[proposed accepted dispatched dispatched received received]"
	}, "every change published once, in order: %v", w.publishedOf(id))

	// The farther source declines: its units return and the need, still
	// lacking 4, is matched again; not from the source that declined, until
	// it reports anew.
	other := ""
	for _, a := range all {
		if a["id"] != id {
			other = a["id"].(string)
		}
	}
	// The damaged unit is already being replaced (that proposal may come
	// from the farther source); what the decline must not bring is more.
	before := map[any]bool{}
	for _, a := range w.list(manu2.Token, "?status=proposed") {
		before[a["id"]] = true
	}
	if code, p := w.call("POST", "/v1/allocations/"+other+"/decline", manu2.Token, `{}`); code != 422 {
		t.Fatalf("decline without reason: %d %v", code, p)
	}
	code, a = w.call("POST", "/v1/allocations/"+other+"/decline", manu2.Token, `{"reason":"line stopped for maintenance"}`)
	if code != 200 || a["status"] != "declined" || a["status_reason"] != "line stopped for maintenance" {
		t.Fatalf("decline: %d %v", code, a)
	}
	testkit.Eventually(t, wait, func() bool {
		c, err := w.bus.JetStream().Consumer(context.Background(), events.StreamName("matcher"), "matcher-rematch")
		if err != nil {
			return false
		}
		info, err := c.Info(context.Background())
		return err == nil && info.AckFloor.Consumer >= 1
	}, "the decline handled")
	for _, a := range w.list(manu2.Token, "?status=proposed") {
		if !before[a["id"]] {
			t.Fatalf("proposed again to the source that declined: %v", a)
		}
	}
	w.capacity("cap_v2", manu2, "ventilator", 20, 2)
	w.waitAllocations(reg, 1, func(a map[string]any) bool { return a["status"] == "proposed" && a["source_org_id"] == manu2.ID },
		"the need matched again after the source's new report")

	// A donation directed to the hospital is accepted at once; the donor
	// ships it with the same routes.
	w.need("need_s", hosp, "protective-suit", 100, "high")
	w.publish("donation", events.DonationPledged{DonationID: "don_1", DonorID: donor.ID, Region: donor.Region, DirectedHospitalID: hosp.ID,
		Lines: []events.DonationLine{{OfferID: "don_1/0", Item: "protective-suit", Quantity: 60}}}, events.Meta{Subject: "don_1", OrgID: donor.ID})
	gift := w.waitAllocations(reg, 1, func(a map[string]any) bool { return a["source_kind"] == "donation" }, "the donation allocated")[0]
	if gift["status"] != "accepted" || gift["quantity"] != 60.0 || gift["need_id"] != "need_s" {
		t.Fatalf("donation allocation %v", gift)
	}
	if code, a := w.call("POST", "/v1/allocations/"+gift["id"].(string)+"/dispatch", donor.Token, `{"shipped_quantity":60}`); code != 200 || a["status"] != "dispatched" {
		t.Fatalf("donor dispatch: %d %v", code, a)
	}

	// A regulator's override: refused past what the source has; made for a
	// stale need the policy leaves alone; idempotent by key; cancellable.
	w.capacity("cap_s", manu, "protective-suit", 0, 1)
	w.applied(func(a *app.App) bool { _, ok := a.Book.Offer("cap_s"); return ok }, "cap_s recorded")
	body := `{"need_id":"need_s","source_kind":"capacity","source_id":"cap_s","quantity":10,"reason":"checked"}`
	if code, p := w.call("POST", "/v1/allocations", reg.Token, body); code != 422 {
		t.Fatalf("override past what the source has: %d %v", code, p)
	}
	w.need("need_g", hosp, "goggles", 10, "normal")
	w.publish("demand", events.NeedStale{NeedID: "need_g", HospitalID: hosp.ID, Item: "goggles", Region: hosp.Region, Status: "stale"},
		events.Meta{Subject: "need_g", OrgID: hosp.ID, Item: "goggles"})
	// Streams are ordered one by one, not across: let demand's settle first.
	w.applied(func(a *app.App) bool { n, _ := a.Book.Need("need_g"); return n.Status == domain.NeedStale }, "need_g stale")
	w.capacity("cap_g", manu, "goggles", 10, 1)
	w.applied(func(a *app.App) bool { _, ok := a.Book.Offer("cap_g"); return ok }, "cap_g recorded")
	over := `{"need_id":"need_g","source_kind":"capacity","source_id":"cap_g","quantity":4,"reason":"confirmed by phone"}`
	send := func() testkit.Response {
		return w.send("POST", "/v1/allocations", reg.Token, over, "Idempotency-Key", "override-1")
	}
	rec1, rec2 := send(), send()
	if rec1.Status != 201 || rec2.Status != 201 || string(rec1.Body) != string(rec2.Body) {
		t.Fatalf("override twice with one key: %d %d\n%s\n%s", rec1.Status, rec2.Status, rec1.Body, rec2.Body)
	}
	made := rec1.Object()
	if made["decided_by"] != "regulator:"+reg.ID || made["reason"] != "confirmed by phone" || made["status"] != "proposed" || made["quantity"] != 4.0 {
		t.Fatalf("override %v", made)
	}
	// Six: the two first ventilator allocations, the replacement of the
	// damaged unit, the one after the decline, the gift and the override;
	// the policy left the stale need alone.
	if got := w.list(reg.Token, "?limit=200"); len(got) != 6 {
		t.Fatalf("%d allocations after the override, want 6: %v", len(got), got)
	}
	code, a = w.call("POST", "/v1/allocations/"+made["id"].(string)+"/cancel", reg.Token, `{"reason":"the hospital found stock"}`)
	if code != 200 || a["status"] != "cancelled" || a["status_reason"] != "the hospital found stock" {
		t.Fatalf("cancel: %d %v", code, a)
	}
	if code, _ := w.call("POST", "/v1/allocations/"+made["id"].(string)+"/cancel", reg.Token, `{"reason":"again"}`); code != 409 {
		t.Fatalf("cancel twice: %d, want 409", code)
	}
}

// TestRedirectOverHTTP: a regulator moves an allocation to another
// hospital's need; both allocations name the regulator, the reason and
// each other; a refusal names the field and changes nothing.
func TestRedirectOverHTTP(t *testing.T) {
	w := newWorld(t)
	hosp := w.iss.Org(t, "hospital", "420100")
	hosp2 := w.iss.Org(t, "hospital", "420100")
	manu := w.iss.Org(t, "manufacturer", "330100")
	reg := w.iss.Org(t, "regulator", "110000")
	w.need("need_a", hosp, "goggles", 10, "normal")
	w.capacity("cap_a", manu, "goggles", 10, 1)
	id := w.waitAllocations(reg, 1, nil, "an allocation")[0]["id"].(string)
	w.need("need_b", hosp2, "goggles", 10, "critical")
	w.need("need_c", hosp2, "goggles", 3, "critical")
	w.applied(func(a *app.App) bool { _, ok := a.Book.Need("need_c"); return ok }, "need_c recorded")

	if code, p := w.call("POST", "/v1/allocations/"+id+"/redirect", reg.Token, `{"need_id":"need_c","reason":"smaller"}`); code != 422 ||
		!strings.Contains(fmt.Sprint(p["errors"]), "need_id") {
		t.Fatalf("redirect over-serving the target: %d %v", code, p)
	}
	if code, p := w.call("POST", "/v1/allocations/"+id+"/redirect", reg.Token, `{"need_id":"need_b","reason":"designated hospital out of stock","extra":1}`); code != 400 {
		t.Fatalf("redirect with an unknown field: %d %v", code, p)
	}
	code, to := w.call("POST", "/v1/allocations/"+id+"/redirect", reg.Token, `{"need_id":"need_b","reason":"designated hospital out of stock"}`)
	if code != 201 || to["need_id"] != "need_b" || to["quantity"] != 10.0 || to["decided_by"] != "regulator:"+reg.ID ||
		to["reason"] != "designated hospital out of stock" || to["redirected_from"] != id || to["status"] != "proposed" {
		t.Fatalf("redirect: %d %v", code, to)
	}
	code, from := w.call("GET", "/v1/allocations/"+id, reg.Token, "")
	if code != 200 || from["status"] != "cancelled" || from["redirected_to"] != to["id"] || from["status_by"] != "regulator:"+reg.ID ||
		from["status_reason"] != "designated hospital out of stock" {
		t.Fatalf("the redirected allocation: %d %v", code, from)
	}
	if code, _ := w.call("GET", "/v1/allocations/"+to["id"].(string), manu.Token, ""); code != 200 {
		t.Fatalf("the source cannot see the new allocation: %d", code)
	}
}

// TestAuthorizationMatrix: every route, every role.
func TestAuthorizationMatrix(t *testing.T) {
	w := newWorld(t)
	hosp := w.iss.Org(t, "hospital", "420100")
	hosp2 := w.iss.Org(t, "hospital", "420100")
	manu := w.iss.Org(t, "manufacturer", "330100")
	manu2 := w.iss.Org(t, "manufacturer", "330100")
	donor := w.iss.Org(t, "donor", "110000")
	reg := w.iss.Org(t, "regulator", "110000")
	op := w.iss.Token(t, auth.Claims{OrgID: "operator", Role: "operator"})

	w.need("need_a", hosp, "goggles", 10, "high")
	w.capacity("cap_a", manu, "goggles", 100, 1)
	id := w.waitAllocations(reg, 1, nil, "an allocation")[0]["id"].(string)
	base := "/v1/allocations/" + id

	type call struct {
		method, path, body string
	}
	routes := map[string]call{
		"list":     {"GET", "/v1/allocations", ""},
		"stats":    {"GET", "/v1/allocations/stats", ""},
		"get":      {"GET", base, ""},
		"accept":   {"POST", base + "/accept", ""},
		"decline":  {"POST", base + "/decline", `{"reason":"no"}`},
		"dispatch": {"POST", base + "/dispatch", `{"shipped_quantity":1}`},
		"receipt":  {"POST", base + "/receipt", `{"received_quantity":1}`},
		"cancel":   {"POST", base + "/cancel", `{"reason":"no"}`},
		"override": {"POST", "/v1/allocations", `{"need_id":"need_a","source_kind":"capacity","source_id":"cap_a","quantity":999,"reason":"x"}`},
		"redirect": {"POST", base + "/redirect", `{"need_id":"need_a","reason":"x"}`},
	}
	tokens := map[string]string{"none": "", "hospital": hosp.Token, "other hospital": hosp2.Token, "manufacturer": manu.Token,
		"other manufacturer": manu2.Token, "donor": donor.Token, "regulator": reg.Token, "operator": op}
	// want[route][who]; the cells that would change the allocation use a
	// body the state refuses (409/422), so the matrix leaves it as it was.
	want := map[string]map[string]int{
		"list":     {"none": 401, "hospital": 200, "other hospital": 200, "manufacturer": 200, "other manufacturer": 200, "donor": 200, "regulator": 200, "operator": 403},
		"stats":    {"none": 401, "hospital": 403, "other hospital": 403, "manufacturer": 403, "other manufacturer": 403, "donor": 403, "regulator": 200, "operator": 403},
		"get":      {"none": 401, "hospital": 200, "other hospital": 404, "manufacturer": 200, "other manufacturer": 404, "donor": 404, "regulator": 200, "operator": 403},
		"accept":   {"none": 401, "hospital": 403, "other hospital": 403, "manufacturer": 200, "other manufacturer": 404, "donor": 404, "regulator": 403, "operator": 403},
		"decline":  {"none": 401, "hospital": 403, "other hospital": 403, "manufacturer": 200, "other manufacturer": 404, "donor": 404, "regulator": 403, "operator": 403},
		"dispatch": {"none": 401, "hospital": 403, "other hospital": 403, "manufacturer": 409, "other manufacturer": 404, "donor": 404, "regulator": 403, "operator": 403},
		"receipt":  {"none": 401, "hospital": 409, "other hospital": 404, "manufacturer": 403, "other manufacturer": 403, "donor": 403, "regulator": 403, "operator": 403},
		"cancel":   {"none": 401, "hospital": 403, "other hospital": 403, "manufacturer": 403, "other manufacturer": 403, "donor": 403, "regulator": 409, "operator": 403},
		"override": {"none": 401, "hospital": 403, "other hospital": 403, "manufacturer": 403, "other manufacturer": 403, "donor": 403, "regulator": 422, "operator": 403},
		"redirect": {"none": 401, "hospital": 403, "other hospital": 403, "manufacturer": 403, "other manufacturer": 403, "donor": 403, "regulator": 409, "operator": 403},
	}
	// Order matters only for the cells that succeed: accept, then decline
	// (the allocation is then declined, so dispatch/receipt/cancel are 409).
	for _, route := range []string{"list", "stats", "get", "accept", "decline", "dispatch", "receipt", "cancel", "override", "redirect"} {
		c := routes[route]
		for who, tok := range tokens {
			got, body := w.call(c.method, c.path, tok, c.body)
			if got != want[route][who] {
				t.Errorf("%s by %s: %d, want %d (%v)", route, who, got, want[route][who], body)
			}
		}
	}
	for _, who := range []string{"other hospital", "other manufacturer", "donor"} {
		if got := w.list(tokens[who], ""); len(got) != 0 {
			t.Errorf("%s lists someone else's allocations: %v", who, got)
		}
	}
	// The statistics count the decline against the manufacturer.
	_, body := w.call("GET", "/v1/allocations/stats", reg.Token, "")
	rows, _ := body["items"].([]any)
	if len(rows) != 1 {
		t.Fatalf("stats: %v", body)
	}
	row := rows[0].(map[string]any)
	if row["source_org_id"] != manu.ID || row["source_kind"] != "capacity" || row["total"] != 1.0 || row["declined"] != 1.0 || row["accepted"] != 0.0 {
		t.Errorf("stats row: %v", row)
	}
}

// TestRestartIssuesNothingTwice stops the matcher mid-flow, leaves behind
// what a crash in the middle of a run leaves (the projection and the run's
// first allocation stored with its unpublished event, no processed mark),
// restarts it on the same database and NATS, and checks that every
// allocation is issued and announced once, and that no need or source is
// over-allocated.
func TestRestartIssuesNothingTwice(t *testing.T) {
	w := newWorld(t)
	hosp := w.iss.Org(t, "hospital", "420100")
	manu := w.iss.Org(t, "manufacturer", "330100")
	reg := w.iss.Org(t, "regulator", "110000")

	w.hospital(hosp, "general")
	w.need("n1", hosp, "ventilator", 10, "critical")
	w.need("n2", hosp, "ventilator", 10, "high")
	w.capacity("cap1", manu, "ventilator", 12, 1)
	w.waitAllocations(reg, 2, nil, "n1 and n2 served from cap1")
	// A stop between a handler's write and its ack would have the event
	// redelivered only after the ack timeout; this test is about what is
	// left on disk (below), so stop between events.
	w.acked("registry", "matcher-registry", 1)
	w.acked("demand", "matcher-demand", 2)
	w.acked("supply", "matcher-supply", 1)
	w.stop()

	// While it is down: a new need, and a second report whose run
	// "crashed" after its first allocation.
	w.need("n3", hosp, "ventilator", 5, "normal")
	report := w.capacity("cap2", manu, "ventilator", 20, 1)
	crashed := func() string {
		ctx := context.Background()
		client := testkit.MongoClient(t, w.cfg.Platform.MongoURI)
		repo := mongo.New(client.Database(w.cfg.Platform.MongoDB), outbox.NewRelay(w.bus, nil), domain.Partition{})
		var d events.CapacityReported
		if err := report.Decode(&d); err != nil {
			t.Fatal(err)
		}
		offer := domain.CapacityFrom(report.ID, d)
		if err := repo.SaveOffer(ctx, offer, domain.Input{}); err != nil {
			t.Fatal(err)
		}
		need := domain.Need{ID: "n2", HospitalID: hosp.ID, Item: "ventilator", Region: hosp.Region, Quantity: 10, Urgency: "high"}
		a, evs := domain.NewAllocation(domain.NewAllocationInput{ID: domain.NewAllocationID(report.ID, "ventilator", 0), Need: need, Offer: offer,
			Quantity: 8, DecidedBy: policy.Version, Reason: "written before the crash", RunID: report.ID}, time.Now())
		if err := repo.InsertAllocation(ctx, a, evs...); err != nil {
			t.Fatal(err)
		}
		return a.ID
	}()

	w.boot()
	w.waitAllocations(reg, 4, nil, "four allocations after the restart")
	w.acked("demand", "matcher-demand", 3)
	w.acked("supply", "matcher-supply", 2)
	w.restart() // and once more, with nothing pending
	got := w.waitAllocations(reg, 4, nil, "still four allocations")

	byNeed, bySource := map[string]float64{}, map[string]float64{}
	for _, a := range got {
		byNeed[a["need_id"].(string)] += a["quantity"].(float64)
		bySource[a["source_id"].(string)] += a["quantity"].(float64)
		if types := w.publishedOf(a["id"].(string)); fmt.Sprint(types) != "[proposed]" {
			testkit.Eventually(t, wait, func() bool { return fmt.Sprint(w.publishedOf(a["id"].(string))) == "[proposed]" },
				"allocation %s announced once, got %v", a["id"], types)
		}
	}
	if fmt.Sprint(byNeed) != "map[n1:10 n2:10 n3:5]" || fmt.Sprint(bySource) != "map[cap1:12 cap2:13]" {
		t.Fatalf("by need %v, by source %v: %v", byNeed, bySource, got)
	}
	found := false
	for _, a := range got {
		found = found || a["id"] == crashed
	}
	if !found {
		t.Fatalf("the allocation written before the crash is gone: %v", got)
	}
}

// TestExpiry: a proposal not accepted in time expires on the schedule, and
// its units are matched again.
func TestExpiry(t *testing.T) {
	w := newWorld(t, func(c *service.Config) {
		c.AllocationTTL = time.Millisecond
		c.ExpirySchedule = "@every 1s"
	})
	hosp := w.iss.Org(t, "hospital", "420100")
	manu := w.iss.Org(t, "manufacturer", "330100")
	reg := w.iss.Org(t, "regulator", "110000")
	far := w.iss.Org(t, "manufacturer", "110000")
	w.need("need_e", hosp, "ventilator", 3, "high")
	w.capacity("cap_e", manu, "ventilator", 3, 1)
	first := w.waitAllocations(reg, 1, nil, "a proposal")[0]["id"].(string)
	w.capacity("cap_far", far, "ventilator", 3, 1)
	w.waitAllocations(reg, 1, func(a map[string]any) bool { return a["id"] == first && a["status"] == "expired" }, "the proposal expired")
	w.waitAllocations(reg, 1, func(a map[string]any) bool { return a["source_id"] == "cap_far" && a["need_id"] == "need_e" },
		"the need proposed to the next source")
	_, a := w.call("GET", "/v1/allocations/"+first, manu.Token, "")
	if !strings.HasPrefix(fmt.Sprint(a["status_reason"]), "not accepted within") {
		t.Fatalf("expired allocation %v", a)
	}
}

func TestLoadConfig(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		wantErr string
		check   func(service.Config) bool
	}{
		{"defaults", nil, "", func(c service.Config) bool {
			return c.AllocationTTL == 48*time.Hour && c.ExpirySchedule == "@every 1m" && c.SweepSchedule == "@every 10m" && c.LeaseTTL == 15*time.Second && c.Holder == "" && c.Platform.MongoDB == "aidflow_matcher"
		}},
		{"set", map[string]string{"AIDFLOW_ALLOCATION_TTL": "12h", "AIDFLOW_EXPIRY_SCHEDULE": "*/5 * * * *"}, "", func(c service.Config) bool {
			return c.AllocationTTL == 12*time.Hour && c.ExpirySchedule == "*/5 * * * *"
		}},
		{"off", map[string]string{"AIDFLOW_EXPIRY_SCHEDULE": "off"}, "", func(c service.Config) bool { return c.ExpirySchedule == "off" }},
		{"bad ttl", map[string]string{"AIDFLOW_ALLOCATION_TTL": "two days"}, "AIDFLOW_ALLOCATION_TTL", nil},
		{"short ttl", map[string]string{"AIDFLOW_ALLOCATION_TTL": "10s"}, "AIDFLOW_ALLOCATION_TTL", nil},
		{"bad schedule", map[string]string{"AIDFLOW_EXPIRY_SCHEDULE": "every minute"}, "AIDFLOW_EXPIRY_SCHEDULE", nil},
		{"sweep set", map[string]string{"AIDFLOW_SWEEP_SCHEDULE": "@hourly"}, "", func(c service.Config) bool { return c.SweepSchedule == "@hourly" }},
		{"sweep off", map[string]string{"AIDFLOW_SWEEP_SCHEDULE": "off"}, "", func(c service.Config) bool { return c.SweepSchedule == "off" }},
		{"bad sweep schedule", map[string]string{"AIDFLOW_SWEEP_SCHEDULE": "hourly"}, "AIDFLOW_SWEEP_SCHEDULE", nil},
		{"lease", map[string]string{"AIDFLOW_MATCHER_LEASE_TTL": "30s", "AIDFLOW_MATCHER_INSTANCE": "m-a"}, "", func(c service.Config) bool {
			return c.LeaseTTL == 30*time.Second && c.Holder == "m-a"
		}},
		{"lease too short", map[string]string{"AIDFLOW_MATCHER_LEASE_TTL": "100ms"}, "AIDFLOW_MATCHER_LEASE_TTL", nil},
		{"partition all by default", nil, "", func(c service.Config) bool {
			return c.Partition.Name == "all" && c.Partition.Whole() && c.Partition.Serves("ventilator")
		}},
		{"partition", map[string]string{"AIDFLOW_MATCHER_PARTITION": "masks", "AIDFLOW_MATCHER_ITEMS": " surgical-mask,n95-respirator "}, "", func(c service.Config) bool {
			return c.Partition.Name == "masks" && fmt.Sprint(c.Partition.Items) == "[n95-respirator surgical-mask]" &&
				c.Partition.Serves("surgical-mask") && !c.Partition.Serves("ventilator")
		}},
		{"partition without items", map[string]string{"AIDFLOW_MATCHER_PARTITION": "masks"}, "AIDFLOW_MATCHER_ITEMS", nil},
		{"partition with blank items", map[string]string{"AIDFLOW_MATCHER_PARTITION": "masks", "AIDFLOW_MATCHER_ITEMS": " "}, "AIDFLOW_MATCHER_ITEMS", nil},
		{"unknown item", map[string]string{"AIDFLOW_MATCHER_PARTITION": "masks", "AIDFLOW_MATCHER_ITEMS": "n95-respirator,kn95"}, `AIDFLOW_MATCHER_ITEMS: "kn95" is not a catalog item`, nil},
		{"empty entry", map[string]string{"AIDFLOW_MATCHER_PARTITION": "masks", "AIDFLOW_MATCHER_ITEMS": "n95-respirator,,surgical-mask"}, "AIDFLOW_MATCHER_ITEMS", nil},
		{"item twice", map[string]string{"AIDFLOW_MATCHER_PARTITION": "masks", "AIDFLOW_MATCHER_ITEMS": "n95-respirator,n95-respirator"}, "AIDFLOW_MATCHER_ITEMS", nil},
		{"items for all", map[string]string{"AIDFLOW_MATCHER_ITEMS": "ventilator"}, "AIDFLOW_MATCHER_ITEMS", nil},
		{"name with capitals", map[string]string{"AIDFLOW_MATCHER_PARTITION": "Masks", "AIDFLOW_MATCHER_ITEMS": "n95-respirator"}, "AIDFLOW_MATCHER_PARTITION", nil},
		{"name with a dot", map[string]string{"AIDFLOW_MATCHER_PARTITION": "masks.a", "AIDFLOW_MATCHER_ITEMS": "n95-respirator"}, "AIDFLOW_MATCHER_PARTITION", nil},
		{"empty name is all, which takes no items", map[string]string{"AIDFLOW_MATCHER_PARTITION": "", "AIDFLOW_MATCHER_ITEMS": "n95-respirator"}, "AIDFLOW_MATCHER_ITEMS", nil},
		{"name too long", map[string]string{"AIDFLOW_MATCHER_PARTITION": strings.Repeat("m", 31), "AIDFLOW_MATCHER_ITEMS": "n95-respirator"}, "AIDFLOW_MATCHER_PARTITION", nil},
	}
	var cases []testkit.ConfigCase[service.Config]
	for _, tt := range tests {
		cases = append(cases, testkit.ConfigCase[service.Config]{Name: tt.name, Env: tt.env, WantErr: tt.wantErr, Check: tt.check})
	}
	testkit.ConfigCases(t, service.LoadConfig, testkit.PlatformEnv(t), cases...)
}
