package service_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/matcher/adapters/lease"
	"github.com/aidflow/aidflow/services/matcher/domain"
	"github.com/aidflow/aidflow/services/matcher/service"
	"github.com/aidflow/aidflow/shared/testkit"
)

var (
	masks   = domain.Partition{Name: "masks", Items: []string{"n95-respirator", "surgical-mask"}}
	devices = domain.Partition{Name: "devices", Items: []string{"ventilator"}}
)

// instance is a matcher on the world's NATS and database.
type instance struct {
	m *service.Main
	// stop is a graceful stop (the lease is given back); kill stops it as
	// a crash would: the NATS connection gone first, so nothing is
	// released and the lease stays until its TTL.
	stop, kill func()
}

// start opens and runs an instance of partition p (the zero value: every
// item); it is stopped when the test ends.
func (w *world) start(p domain.Partition, holder string) *instance {
	w.t.Helper()
	cfg := w.cfg
	cfg.Partition, cfg.Holder = p, holder
	m, err := service.Open(context.Background(), cfg)
	if err != nil {
		w.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = m.Run(ctx); close(done) }()
	var once sync.Once
	end := func(crash bool) {
		once.Do(func() {
			if crash {
				m.P.Bus.Conn().Close()
			}
			cancel()
			<-done
			// A stopping process closes its socket; Close alone drains the
			// NATS connection in the background, and until that ends (up to
			// 30 s) the server may hand a new event to the old consumer's
			// pull request, where it waits out the ack timeout, and the
			// consumers' Stop may wait for the drain.
			m.P.Bus.Conn().Close()
			m.Close()
		})
	}
	in := &instance{m: m, stop: func() { end(false) }, kill: func() { end(true) }}
	w.t.Cleanup(in.stop)
	return in
}

// via sends a request to one instance, checked against the OpenAPI
// document like every call.
func (w *world) via(in *instance, method, path, token, body string) (int, map[string]any) {
	w.t.Helper()
	keep := w.m
	w.m = in.m
	defer func() { w.m = keep }()
	return w.call(method, path, token, body)
}

func ids(as []map[string]any) map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, a := range as {
		out[a["id"].(string)] = a
	}
	return out
}

// TestPartitions runs two partitions (masks, devices) on one NATS and one
// database. Each allocates only its items, also from a donation of both
// and a sweep, which every partition runs; reads through either instance
// see both partitions' allocations; a command sent to the instance of the
// other partition is forwarded to its holder and answered by it; a holder
// killed leaves its items' commands 503 with Retry-After (the other
// partition unaffected) until its standby takes over after the TTL; no
// allocation is ever proposed twice; and a restart rebuilds the same
// state.
func TestPartitions(t *testing.T) {
	const ttl = 3 * time.Second
	w := newWorld(t, func(c *service.Config) { c.LeaseTTL = ttl; c.Partition = masks; c.Holder = "masks-1" })
	m1 := &instance{m: w.m, stop: w.stop}
	d1 := w.start(devices, "devices-1")
	testkit.Eventually(t, wait, func() bool { return d1.m.Ready(context.Background()) == nil }, "the devices partition active")

	hosp := w.iss.Org(t, "hospital", "420100")
	manuMask := w.iss.Org(t, "manufacturer", "420100")
	manuVent := w.iss.Org(t, "manufacturer", "330100")
	donor := w.iss.Org(t, "donor", "110000")
	reg := w.iss.Org(t, "regulator", "110000")
	w.hospital(hosp, "designated")
	w.need("need_mask", hosp, "n95-respirator", 1000, "critical")
	w.need("need_vent", hosp, "ventilator", 10, "critical")
	w.capacity("cap_mask", manuMask, "n95-respirator", 400, 1)
	w.capacity("cap_vent", manuVent, "ventilator", 4, 1)
	w.publish("donation", events.DonationPledged{DonationID: "don_1", DonorID: donor.ID, Region: donor.Region,
		Lines: []events.DonationLine{{OfferID: "don_1/0", Item: "n95-respirator", Quantity: 200}, {OfferID: "don_1/1", Item: "ventilator", Quantity: 2}}},
		events.Meta{Subject: "don_1", OrgID: donor.ID})

	// Four allocations, two per partition, each made by its own partition:
	// the donation's run happened in both, numbering per item.
	all := w.waitAllocations(reg, 4, nil, "both partitions' allocations, read through the masks instance")
	for _, a := range all {
		maskItem := a["item"] == "n95-respirator"
		_, inMasks := m1.m.App.Book.Allocation(a["id"].(string))
		_, inDevices := d1.m.App.Book.Allocation(a["id"].(string))
		if inMasks != maskItem || inDevices == maskItem {
			t.Fatalf("allocation %v made by the wrong partition (masks %v, devices %v)", a, inMasks, inDevices)
		}
	}
	for _, in := range []*instance{m1, d1} {
		if _, offered := in.m.App.Book.Offer("don_1/0"); offered != (in == m1) {
			t.Fatalf("the donation's n95 line in the %s book: %v", in.m.App.Partition.Name, offered)
		}
		if _, needed := in.m.App.Book.Need("need_vent"); needed != (in == d1) {
			t.Fatalf("the ventilator need in the %s book: %v", in.m.App.Partition.Name, needed)
		}
	}
	testkit.Eventually(t, wait, func() bool {
		code, body := w.via(d1, "GET", "/v1/allocations?limit=200", reg.Token, "")
		return code == 200 && len(body["items"].([]any)) == 4
	}, "the devices instance reads the masks partition's allocations too")
	// So do its statistics: every partition's allocations are counted.
	if code, body := w.via(d1, "GET", "/v1/allocations/stats", reg.Token, ""); code != 200 || sumTotals(body) != 4 {
		t.Fatalf("statistics on the devices instance: %d %v", code, body)
	}
	var vent, mask map[string]any
	for _, a := range all {
		switch a["source_id"] {
		case "cap_vent":
			vent = a
		case "cap_mask":
			mask = a
		}
	}
	if vent == nil || mask == nil || vent["quantity"] != 4.0 || mask["quantity"] != 400.0 {
		t.Fatalf("allocations %v", all)
	}
	ventID, maskID := vent["id"].(string), mask["id"].(string)

	// Commands on the other partition's allocations are forwarded, with
	// the caller's identity: someone else's allocation is still not found.
	if code, p := w.via(m1, "POST", "/v1/allocations/"+ventID+"/accept", manuMask.Token, ""); code != 404 {
		t.Fatalf("another manufacturer's accept, forwarded: %d %v", code, p)
	}
	code, a := w.via(m1, "POST", "/v1/allocations/"+ventID+"/accept", manuVent.Token, "")
	if code != 200 || a["status"] != "accepted" {
		t.Fatalf("accept through the other partition's instance: %d %v", code, a)
	}
	if held, _ := d1.m.App.Book.Allocation(ventID); held.Status != domain.StatusAccepted {
		t.Fatalf("the holder's book after a forwarded accept: %+v", held)
	}
	if code, p := w.via(m1, "POST", "/v1/allocations/"+ventID+"/accept", manuVent.Token, ""); code != 409 || p["status"] != 409.0 {
		t.Fatalf("the holder's problem+json comes back: %d %v", code, p)
	}
	if code, p := w.via(m1, "POST", "/v1/allocations/"+ventID+"/dispatch", manuVent.Token, `{"shipped_quantity":9}`); code != 422 {
		t.Fatalf("a forwarded dispatch past the quantity: %d %v", code, p)
	}
	code, a = w.via(d1, "POST", "/v1/allocations/"+maskID+"/decline", manuMask.Token, `{"reason":"line stopped"}`)
	if code != 200 || a["status"] != "declined" || a["status_reason"] != "line stopped" {
		t.Fatalf("decline through the devices instance: %d %v", code, a)
	}
	// An override for a ventilator need the policy leaves alone (stale),
	// sent to the masks instance twice with one key: made once, by the
	// devices holder.
	w.need("need_vent_b", hosp, "ventilator", 10, "normal")
	w.publish("demand", events.NeedStale{NeedID: "need_vent_b", HospitalID: hosp.ID, Item: "ventilator", Region: hosp.Region, Status: "stale"},
		events.Meta{Subject: "need_vent_b", OrgID: hosp.ID, Item: "ventilator"})
	testkit.Eventually(t, wait, func() bool { n, _ := d1.m.App.Book.Need("need_vent_b"); return n.Status == domain.NeedStale }, "need_vent_b stale")
	w.capacity("cap_vent2", manuVent, "ventilator", 10, 1)
	testkit.Eventually(t, wait, func() bool {
		_, ok := d1.m.App.Book.Offer("cap_vent2")
		return ok && d1.m.App.Book.OfferRemaining("cap_vent2") == 6
	}, "cap_vent2 matched")
	over := `{"need_id":"need_vent_b","source_kind":"capacity","source_id":"cap_vent2","quantity":1,"reason":"checked by phone"}`
	send := func() testkit.Response { // w.m is the masks instance
		return w.send("POST", "/v1/allocations", reg.Token, over, "Idempotency-Key", "override-across")
	}
	r1, r2 := send(), send()
	if r1.Status != 201 || r2.Status != 201 || string(r1.Body) != string(r2.Body) {
		t.Fatalf("a forwarded override twice with one key: %d %d\n%s\n%s", r1.Status, r2.Status, r1.Body, r2.Body)
	}
	// Had both instances died before recording the answer, the holder,
	// which was given the key, finds what the first try made.
	if _, err := w.m.P.DB.Collection("idempotency_keys").DeleteMany(context.Background(), bson.D{}); err != nil {
		t.Fatal(err)
	}
	if r3 := send(); r3.Status != 201 || r3.Object()["id"] != r1.Object()["id"] {
		t.Fatalf("the forwarded override again, its answer not recorded: %d %s; first %s", r3.Status, r3.Body, r1.Body)
	}
	if got := d1.m.App.Book.NeedRemaining("need_vent_b"); got != 9 {
		t.Fatalf("the override made %d times", 10-got)
	}
	if code, p := w.via(m1, "POST", "/v1/allocations", reg.Token, `{"need_id":"need_nowhere","source_kind":"capacity","source_id":"cap_vent2","quantity":1,"reason":"x"}`); code != 422 {
		t.Fatalf("an override of an unknown need: %d %v", code, p)
	}

	// The devices holder crashes: its lease stays until the TTL. Its items'
	// commands answer 503 with Retry-After; the masks partition carries on.
	d1.kill()
	kv, err := lease.OpenBucket(context.Background(), w.bus.JetStream(), ttl)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Get(context.Background(), service.LeaseKey("devices", w.cfg.Platform.MongoDB)); err != nil {
		t.Fatalf("the crashed holder's lease is gone already (%v): not a crash", err)
	}
	rec := testkit.Call(t, w.m.Handler(), w.check, "POST", "/v1/allocations/"+ventID+"/dispatch", manuVent.Token, `{"shipped_quantity":1}`)
	if rec.Status != 503 || rec.Header.Get("Retry-After") != "3" || !strings.Contains(string(rec.Body), "ventilator") {
		t.Fatalf("a command for a partition without a holder: %d %q %s", rec.Status, rec.Header.Get("Retry-After"), rec.Body)
	}
	w.need("need_mask2", hosp, "surgical-mask", 50, "high")
	w.capacity("cap_mask2", manuMask, "surgical-mask", 50, 1)
	w.waitAllocations(reg, 1, func(a map[string]any) bool { return a["item"] == "surgical-mask" }, "the masks partition unaffected")

	// The standby takes over after the TTL, from the store and the
	// streams: the dispatch now works, and a new report is matched.
	d2 := w.start(devices, "devices-2")
	testkit.Eventually(t, wait, func() bool { return d2.m.Ready(context.Background()) == nil }, "the devices standby took over")
	if code, a := w.via(m1, "POST", "/v1/allocations/"+ventID+"/dispatch", manuVent.Token, `{"shipped_quantity":4}`); code != 200 || a["status"] != "dispatched" {
		t.Fatalf("dispatch after the takeover: %d %v", code, a)
	}
	w.need("need_vent_c", hosp, "ventilator", 8, "critical")
	testkit.Eventually(t, wait, func() bool {
		_, ok := d2.m.App.Book.Need("need_vent_c")
		return ok && d2.m.App.Book.NeedRemaining("need_vent_c") == 3 // cap_vent2 had 5 left
	}, "a new ventilator need matched by the new holder")
	w.capacity("cap_vent3", manuVent, "ventilator", 50, 1)
	testkit.Eventually(t, wait, func() bool { return d2.m.App.Book.NeedRemaining("need_vent_c") == 0 }, "the new ventilator need served in full")

	// Nothing proposed twice; nothing over-served or over-allocated.
	made := 0
	for _, in := range []*instance{m1, d2} {
		own, _ := in.m.App.Book.List(domain.ListFilter{Limit: 1 << 20})
		made += len(own)
	}
	proposed := func() (n int, twice string) {
		seen := map[string]bool{}
		for _, e := range w.published.Events() {
			if e.Type == events.AllocationProposedType {
				if seen[e.Subject] {
					return n, e.Subject
				}
				seen[e.Subject] = true
				n++
			}
		}
		return n, ""
	}
	testkit.Eventually(t, wait, func() bool { n, _ := proposed(); return n >= made }, "every allocation's proposal published")
	if n, twice := proposed(); n != made || twice != "" {
		t.Fatalf("%d proposals published for %d allocations; proposed twice: %q", n, made, twice)
	}
	for _, in := range []*instance{m1, d2} {
		for _, n := range []string{"need_mask", "need_mask2", "need_vent", "need_vent_b", "need_vent_c"} {
			if _, ok := in.m.App.Book.Need(n); ok && in.m.App.Book.NeedRemaining(n) < 0 {
				t.Fatalf("need %s over-served", n)
			}
		}
		for _, o := range []string{"cap_mask", "cap_mask2", "cap_vent", "cap_vent2", "cap_vent3", "don_1/0", "don_1/1"} {
			if _, ok := in.m.App.Book.Offer(o); ok && in.m.App.Book.OfferRemaining(o) < 0 {
				t.Fatalf("source %s over-allocated", o)
			}
		}
	}

	// A restart of the masks partition rebuilds the same state from the
	// store: its book, and its view of every partition.
	before := ids(w.waitAllocations(reg, made, nil, "every allocation, in the masks instance's view"))
	w.restart()
	after := ids(w.list(reg.Token, "?limit=200"))
	if len(after) != len(before) {
		for id, a := range after {
			if before[id] == nil {
				t.Errorf("new after the restart: %v", a)
			}
		}
		t.Fatalf("after a restart %d allocations, before %d", len(after), len(before))
	}
	for id, a := range before {
		if after[id]["version"] != a["version"] && after[id]["version"].(float64) < a["version"].(float64) {
			t.Fatalf("allocation %s went back after a restart: %v, was %v", id, after[id], a)
		}
	}
}

// TestOverlappingPartitionStandsBy: an instance of a partition that
// overlaps an active one (an old layout still running) stays on standby,
// says why in /readyz, and takes over once the old layout stops.
func TestOverlappingPartitionStandsBy(t *testing.T) {
	w := newWorld(t, func(c *service.Config) { c.LeaseTTL = 2 * time.Second }) // partition all
	p := w.start(masks, "masks-1")
	testkit.Eventually(t, wait, func() bool { return p.m.Lease.Attempts() >= 2 }, "the masks instance tried its lease")
	err := p.m.Ready(context.Background())
	if err == nil || !strings.Contains(err.Error(), "partition-all") || !strings.Contains(err.Error(), "n95-respirator") {
		t.Fatalf("readiness of an overlapping partition: %v", err)
	}
	w.stop()
	testkit.Eventually(t, wait, func() bool { return p.m.Ready(context.Background()) == nil }, "the masks partition active once the old layout stopped")
}

func sumTotals(body map[string]any) int {
	n := 0
	for _, it := range body["items"].([]any) {
		n += int(it.(map[string]any)["total"].(float64))
	}
	return n
}
