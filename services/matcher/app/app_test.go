package app_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/matcher/adapters/memory"
	"github.com/aidflow/aidflow/services/matcher/app"
	"github.com/aidflow/aidflow/services/matcher/domain"
	"github.com/aidflow/aidflow/services/matcher/domain/policy"
	"github.com/aidflow/aidflow/shared/apperr"
	"github.com/aidflow/aidflow/shared/auth"
)

var t0 = time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC) // 10:00 in Beijing

type fixture struct {
	t    *testing.T
	ctx  context.Context
	repo *memory.Repository
	app  *app.App
	now  time.Time
	seq  int
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{t: t, ctx: context.Background(), repo: memory.New(), now: t0}
	f.app = f.open()
	return f
}

// open starts an App on the fixture's repository, as a restart would.
func (f *fixture) open() *app.App {
	f.t.Helper()
	a := app.New(f.repo, 48*time.Hour)
	a.Now = func() time.Time { return f.now }
	if err := a.Load(f.ctx); err != nil {
		f.t.Fatal(err)
	}
	return a
}

func (f *fixture) trigger() app.Trigger {
	f.seq++
	return app.Trigger{EventID: fmt.Sprintf("evt_%03d", f.seq), Time: f.now}
}

func (f *fixture) must(err error) {
	f.t.Helper()
	if err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) hospital(id, region, facility string) {
	f.t.Helper()
	f.must(f.app.HospitalRegistered(f.ctx, f.trigger(), events.OrgRegistered{OrgID: id, Role: "hospital", Region: region, FacilityType: facility}))
}

func (f *fixture) need(id, hospital, item string, qty int64, urgency string) {
	f.t.Helper()
	f.must(f.app.NeedPosted(f.ctx, f.trigger(), events.NeedPosted{NeedID: id, HospitalID: hospital, Item: item, Quantity: qty,
		Urgency: urgency, NeededBy: "2026-03-08", Region: "420100"}))
}

func (f *fixture) capacity(id, org, item string, available, revision int64) {
	f.t.Helper()
	f.must(f.app.CapacityReported(f.ctx, f.trigger(), events.CapacityReported{CapacityID: id, ManufacturerID: org, Item: item,
		Region: "330100", AvailableNow: available, Revision: revision}))
}

func (f *fixture) allocations() []domain.Allocation {
	f.t.Helper()
	items, _, err := f.app.ListAllocations(f.ctx, app.Actor{OrgID: "reg", Role: auth.Regulator}, app.ListQuery{Limit: 200})
	f.must(err)
	return items
}

func (f *fixture) only() domain.Allocation {
	f.t.Helper()
	as := f.allocations()
	if len(as) != 1 {
		f.t.Fatalf("%d allocations, want 1: %+v", len(as), as)
	}
	return as[0]
}

func toNeed(as []domain.Allocation) map[string]int64 {
	m := map[string]int64{}
	for _, a := range as {
		m[a.NeedID] += a.Committed()
	}
	return m
}

var (
	m1  = app.Actor{OrgID: "m1", Role: auth.Manufacturer}
	m2  = app.Actor{OrgID: "m2", Role: auth.Manufacturer}
	h1  = app.Actor{OrgID: "h1", Role: auth.Hospital}
	h2  = app.Actor{OrgID: "h2", Role: auth.Hospital}
	d1  = app.Actor{OrgID: "d1", Role: auth.Donor}
	reg = app.Actor{OrgID: "reg1", Role: auth.Regulator}
)

func TestThinFlow(t *testing.T) {
	f := newFixture(t)
	f.hospital("h1", "420100", "designated")
	f.need("n1", "h1", "ventilator", 10, "critical")
	if len(f.allocations()) != 0 {
		t.Fatal("allocated with nothing offered")
	}
	f.capacity("cap1", "m1", "ventilator", 4, 1)
	a := f.only()
	if a.Status != domain.StatusProposed || a.Quantity != 4 || a.NeedID != "n1" || a.SourceID != "cap1" || a.SourceOrgID != "m1" ||
		a.HospitalID != "h1" || a.DecidedBy != policy.Version || !strings.Contains(a.Reason, "frontline") || a.Version != 1 {
		t.Fatalf("allocation %+v", a)
	}
	if a.ID != domain.NewAllocationID("evt_003", "ventilator", 0) {
		t.Fatalf("id %s is not derived from the triggering event", a.ID)
	}
	evs := f.repo.Events()
	if len(evs) != 1 || evs[0].Type != events.AllocationProposedType || evs[0].OrgID != "m1" || evs[0].Subject != a.ID || evs[0].Item != "ventilator" {
		t.Fatalf("events %+v", evs)
	}

	a, err := f.app.AcceptAllocation(f.ctx, m1, a.ID)
	f.must(err)
	a, err = f.app.DispatchAllocation(f.ctx, m1, a.ID, domain.DispatchInput{ShippedQuantity: 4, Carrier: "SF", TrackingNumber: "SF1"})
	f.must(err)
	a, err = f.app.ReceiveAllocation(f.ctx, h1, a.ID, domain.ReceiptInput{ReceivedQuantity: 3, DamagedQuantity: 1, Note: "one cracked"})
	f.must(err)
	if a.Status != domain.StatusDelivered || a.Version != 4 || a.ReceivedQuantity != 3 || a.DamagedQuantity != 1 {
		t.Fatalf("after receipt %+v", a)
	}
	var types []string
	for _, e := range f.repo.Events() {
		types = append(types, e.Type)
	}
	want := []string{events.AllocationProposedType, events.AllocationAcceptedType, events.AllocationDispatchedType, events.AllocationReceivedType}
	if fmt.Sprint(types) != fmt.Sprint(want) {
		t.Fatalf("events %v, want %v", types, want)
	}
	// The source's report still says 4 and 4 were shipped under it.
	if got := f.app.Book.OfferRemaining("cap1"); got != 0 {
		t.Fatalf("capacity remaining %d", got)
	}
	// A new report resets what was shipped: 6 more for the 6 the need lacks.
	f.capacity("cap1", "m1", "ventilator", 6, 2)
	if got := toNeed(f.allocations())["n1"]; got != 10 {
		t.Fatalf("need got %d in all, want 10", got)
	}
}

func TestDonationsAreAcceptedAndDirected(t *testing.T) {
	f := newFixture(t)
	f.hospital("h1", "420100", "designated")
	f.hospital("h2", "330100", "general")
	f.need("n1", "h1", "protective-suit", 100, "critical")
	f.need("n2", "h2", "protective-suit", 50, "normal")
	f.must(f.app.DonationPledged(f.ctx, f.trigger(), events.DonationPledged{DonationID: "don1", DonorID: "d1", Region: "110000",
		DirectedHospitalID: "h2", Lines: []events.DonationLine{{OfferID: "don1/0", Item: "protective-suit", Quantity: 80}}}))
	a := f.only()
	if a.NeedID != "n2" || a.Quantity != 50 || a.Status != domain.StatusAccepted || a.Version != 2 || a.SourceKind != policy.KindDonation {
		t.Fatalf("allocation %+v", a)
	}
	if evs := f.repo.Events(); len(evs) != 2 || evs[0].Type != events.AllocationProposedType || evs[1].Type != events.AllocationAcceptedType {
		t.Fatalf("events %+v", evs)
	}
	if _, err := f.app.AcceptAllocation(f.ctx, d1, a.ID); !errors.Is(err, domain.ErrNotProposed) {
		t.Fatalf("accepting an accepted donation: %v", err)
	}
	if got := f.app.Book.OfferRemaining("don1/0"); got != 30 {
		t.Fatalf("donation remaining %d, want 30 (never to n1)", got)
	}
}

func TestStaleNeedsWaitForConfirmation(t *testing.T) {
	f := newFixture(t)
	f.need("n1", "h1", "goggles", 10, "high")
	f.must(f.app.NeedStatusChanged(f.ctx, f.trigger(), events.NeedStaleType, events.NeedChanged{NeedID: "n1"}))
	f.capacity("cap1", "m1", "goggles", 100, 1)
	if len(f.allocations()) != 0 {
		t.Fatal("a stale need was matched")
	}
	f.must(f.app.NeedStatusChanged(f.ctx, f.trigger(), events.NeedConfirmedType, events.NeedChanged{NeedID: "n1"}))
	if a := f.only(); a.Quantity != 10 {
		t.Fatalf("after confirmation %+v", a)
	}
	f.must(f.app.NeedStatusChanged(f.ctx, f.trigger(), events.NeedCancelledType, events.NeedChanged{NeedID: "unknown"}))
}

// TestReplayedEventIssuesNothingTwice: a consumer that handled an event but
// lost its processed mark sees it again.
func TestReplayedEventIssuesNothingTwice(t *testing.T) {
	f := newFixture(t)
	f.need("n1", "h1", "ventilator", 10, "high")
	trig := f.trigger()
	report := events.CapacityReported{CapacityID: "cap1", ManufacturerID: "m1", Item: "ventilator", Region: "330100", AvailableNow: 30, Revision: 1}
	f.must(f.app.CapacityReported(f.ctx, trig, report))
	f.must(f.app.CapacityReported(f.ctx, trig, report))
	if a := f.only(); a.Quantity != 10 {
		t.Fatalf("%+v", a)
	}
}

// TestCrashMidRun stops a run after its first allocation, as a crash
// would, restarts on the same store and replays the event: the run is
// completed, nothing is issued twice, and the result is what an
// uninterrupted run gives.
func TestCrashMidRun(t *testing.T) {
	setup := func(f *fixture) {
		for i, u := range []string{"critical", "high", "normal"} {
			f.need(fmt.Sprintf("n%d", i), fmt.Sprintf("h%d", i), "ventilator", 5, u)
		}
	}
	report := events.CapacityReported{CapacityID: "cap1", ManufacturerID: "m1", Item: "ventilator", Region: "330100", AvailableNow: 12, Revision: 1}

	clean := newFixture(t)
	setup(clean)
	clean.must(clean.app.CapacityReported(clean.ctx, app.Trigger{EventID: "evt_cap", Time: t0}, report))
	want := toNeed(clean.allocations())

	f := newFixture(t)
	setup(f)
	inserted := 0
	crash := errors.New("process killed")
	f.repo.BeforeInsert = func(domain.Allocation) error {
		if inserted == 1 {
			return crash
		}
		inserted++
		return nil
	}
	if err := f.app.CapacityReported(f.ctx, app.Trigger{EventID: "evt_cap", Time: t0}, report); !errors.Is(err, crash) {
		t.Fatalf("run: %v", err)
	}
	f.repo.BeforeInsert = nil
	f.app = f.open()
	if got := len(f.allocations()); got != 1 {
		t.Fatalf("%d allocations survived the crash, want 1", got)
	}
	f.must(f.app.CapacityReported(f.ctx, app.Trigger{EventID: "evt_cap", Time: t0}, report))
	f.must(f.app.CapacityReported(f.ctx, app.Trigger{EventID: "evt_cap", Time: t0}, report)) // and again
	got := f.allocations()
	if fmt.Sprint(toNeed(got)) != fmt.Sprint(want) {
		t.Fatalf("after the crash %v, uninterrupted %v", toNeed(got), want)
	}
	ids := map[string]bool{}
	var total int64
	for _, a := range got {
		if ids[a.ID] {
			t.Fatalf("id %s twice", a.ID)
		}
		ids[a.ID] = true
		total += a.Quantity
	}
	if total != 12 {
		t.Fatalf("allocated %d of 12", total)
	}
}

func TestDeclineReturnsUnitsAndMatchesAgain(t *testing.T) {
	f := newFixture(t)
	f.need("n1", "h1", "ventilator", 10, "high")
	f.capacity("cap1", "m1", "ventilator", 10, 1)
	f.capacity("cap2", "m2", "ventilator", 10, 1)
	a := f.only()
	if a.SourceID != "cap1" { // both in 330100: ties by id
		t.Fatalf("%+v", a)
	}
	if _, err := f.app.DeclineAllocation(f.ctx, m2, a.ID, "not ours"); !errors.Is(err, domain.ErrAllocationNotFound) {
		t.Fatalf("another manufacturer declined: %v", err)
	}
	if _, err := f.app.DeclineAllocation(f.ctx, m1, a.ID, ""); apperr.CodeOf(err) != apperr.Unprocessable {
		t.Fatalf("decline without reason: %v", err)
	}
	d, err := f.app.DeclineAllocation(f.ctx, m1, a.ID, "line stopped")
	f.must(err)
	// The decline matches the item again at once (the units went to cap2);
	// the rematch consumer's run of the same release adds nothing.
	if d.StatusReason != "line stopped" || f.app.Book.NeedRemaining("n1") != 0 {
		t.Fatalf("declined %+v, need lacks %d", d, f.app.Book.NeedRemaining("n1"))
	}
	before := len(f.allocations())
	f.must(f.app.AllocationReleased(f.ctx, f.trigger(), d.Snapshot()))
	if n := len(f.allocations()); n != before {
		t.Fatalf("the consumer's rematch allocated again: %d allocations, was %d", n, before)
	}
	live := func() []domain.Allocation {
		var out []domain.Allocation
		for _, x := range f.allocations() {
			if x.Live() {
				out = append(out, x)
			}
		}
		return out
	}
	// Not back to the source that declined: to the next one.
	again := live()
	if len(again) != 1 || again[0].SourceID != "cap2" || again[0].Quantity != 10 {
		t.Fatalf("after decline %+v", again)
	}
	d, err = f.app.DeclineAllocation(f.ctx, m2, again[0].ID, "no trucks")
	f.must(err)
	f.must(f.app.AllocationReleased(f.ctx, f.trigger(), d.Snapshot()))
	if got := live(); len(got) != 0 {
		t.Fatalf("proposed again to a source that declined: %+v", got)
	}
	// A new report says the source has stock again: it may be proposed.
	f.capacity("cap1", "m1", "ventilator", 10, 2)
	if got := live(); len(got) != 1 || got[0].SourceID != "cap1" {
		t.Fatalf("after a new report %+v", got)
	}
}

func TestDispatchIsBoundByTheReport(t *testing.T) {
	f := newFixture(t)
	f.need("n1", "h1", "ventilator", 10, "high")
	f.capacity("cap1", "m1", "ventilator", 10, 1)
	a := f.only()
	_, err := f.app.AcceptAllocation(f.ctx, m1, a.ID)
	f.must(err)
	// The manufacturer reports less than it promised (supply refuses this;
	// events from before that rule may still say it).
	f.capacity("cap1", "m1", "ventilator", 6, 2)
	if _, err := f.app.DispatchAllocation(f.ctx, m1, a.ID, domain.DispatchInput{ShippedQuantity: 7}); apperr.CodeOf(err) != apperr.Unprocessable {
		t.Fatalf("shipping more than reported: %v", err)
	}
	_, err = f.app.DispatchAllocation(f.ctx, m1, a.ID, domain.DispatchInput{ShippedQuantity: 6})
	f.must(err)
	if _, err := f.app.DispatchAllocation(f.ctx, m1, a.ID, domain.DispatchInput{ShippedQuantity: 1}); apperr.CodeOf(err) != apperr.Unprocessable {
		t.Fatalf("shipping past the report: %v", err)
	}
	f.capacity("cap1", "m1", "ventilator", 4, 3)
	a, err = f.app.DispatchAllocation(f.ctx, m1, a.ID, domain.DispatchInput{ShippedQuantity: 4})
	f.must(err)
	if a.ShippedQuantity != 10 || len(a.Shipments) != 2 || a.Shipments[0].ReportID == a.Shipments[1].ReportID {
		t.Fatalf("%+v", a)
	}
}

// Units that arrive damaged did not serve the need: they are allocated
// again at once, from what the source still has.
func TestDamagedUnitsAreAllocatedAgain(t *testing.T) {
	f := newFixture(t)
	f.need("n1", "h1", "ventilator", 10, "high")
	f.capacity("cap1", "m1", "ventilator", 15, 1)
	a := f.only()
	_, err := f.app.AcceptAllocation(f.ctx, m1, a.ID)
	f.must(err)
	_, err = f.app.DispatchAllocation(f.ctx, m1, a.ID, domain.DispatchInput{ShippedQuantity: 10})
	f.must(err)
	if n := f.app.Book.NeedRemaining("n1"); n != 0 {
		t.Fatalf("before the receipt the need lacks %d", n)
	}
	_, err = f.app.ReceiveAllocation(f.ctx, h1, a.ID, domain.ReceiptInput{ReceivedQuantity: 8, DamagedQuantity: 2})
	f.must(err)
	var again []domain.Allocation
	for _, x := range f.allocations() {
		if x.ID != a.ID && x.Live() {
			again = append(again, x)
		}
	}
	if len(again) != 1 || again[0].NeedID != "n1" || again[0].Quantity != 2 {
		t.Fatalf("after 2 damaged units, new allocations %+v; want one of 2", again)
	}
	if n := f.app.Book.NeedRemaining("n1"); n != 0 {
		t.Fatalf("after the replacement the need lacks %d", n)
	}
}

func TestWhoMayDoWhat(t *testing.T) {
	f := newFixture(t)
	f.need("n1", "h1", "ventilator", 10, "high")
	f.capacity("cap1", "m1", "ventilator", 10, 1)
	id := f.only().ID
	for _, actor := range []app.Actor{m1, h1, reg} {
		if _, err := f.app.GetAllocation(f.ctx, actor, id); err != nil {
			t.Errorf("%s cannot see its allocation: %v", actor.OrgID, err)
		}
	}
	for _, actor := range []app.Actor{m2, h2, d1, {OrgID: "operator", Role: auth.Operator}} {
		if _, err := f.app.GetAllocation(f.ctx, actor, id); !errors.Is(err, domain.ErrAllocationNotFound) {
			t.Errorf("%s sees another's allocation: %v", actor.OrgID, err)
		}
		if items, _, _ := f.app.ListAllocations(f.ctx, actor, app.ListQuery{Limit: 10}); len(items) != 0 {
			t.Errorf("%s lists another's allocation", actor.OrgID)
		}
	}
	for name, op := range map[string]func(app.Actor) error{
		"accept": func(a app.Actor) error { _, err := f.app.AcceptAllocation(f.ctx, a, id); return err },
		"receipt": func(a app.Actor) error {
			_, err := f.app.ReceiveAllocation(f.ctx, a, id, domain.ReceiptInput{ReceivedQuantity: 1})
			return err
		},
		"cancel": func(a app.Actor) error { _, err := f.app.CancelAllocation(f.ctx, a, id, "x"); return err },
	} {
		for _, actor := range []app.Actor{m2, h2, h1, m1} {
			if (name == "accept" && actor == m1) || (name == "receipt" && actor == h1) {
				continue
			}
			if err := op(actor); !errors.Is(err, domain.ErrAllocationNotFound) {
				t.Errorf("%s by %s: %v", name, actor.OrgID, err)
			}
		}
	}
	if _, _, err := f.app.ListAllocations(f.ctx, reg, app.ListQuery{Status: "lost", Limit: 10}); apperr.CodeOf(err) != apperr.Invalid {
		t.Errorf("unknown status filter: %v", err)
	}
	if a := f.only(); a.Version != 1 {
		t.Fatalf("refused commands changed the allocation: %+v", a)
	}
}

func TestCancelAfterPartialDispatch(t *testing.T) {
	f := newFixture(t)
	f.need("n1", "h1", "ventilator", 10, "high")
	f.capacity("cap1", "m1", "ventilator", 10, 1)
	id := f.only().ID
	_, err := f.app.AcceptAllocation(f.ctx, m1, id)
	f.must(err)
	_, err = f.app.DispatchAllocation(f.ctx, m1, id, domain.DispatchInput{ShippedQuantity: 4})
	f.must(err)
	c, err := f.app.CancelAllocation(f.ctx, reg, id, "redirect the rest to a designated hospital")
	f.must(err)
	if c.Status != domain.StatusCancelled || f.app.Book.NeedRemaining("n1") != 6 || f.app.Book.OfferRemaining("cap1") != 6 {
		t.Fatalf("cancelled %+v; need lacks %d, source has %d", c, f.app.Book.NeedRemaining("n1"), f.app.Book.OfferRemaining("cap1"))
	}
	if _, err := f.app.ReceiveAllocation(f.ctx, h1, id, domain.ReceiptInput{ReceivedQuantity: 4}); !errors.Is(err, domain.ErrNotDispatched) {
		t.Fatalf("receipt after cancel: %v", err)
	}
}

func TestOverride(t *testing.T) {
	f := newFixture(t)
	f.hospital("h1", "420100", "general")
	f.need("n1", "h1", "n95-respirator", 1000, "normal")
	f.need("n2", "h2", "n95-respirator", 1000, "normal")
	f.need("nx", "h2", "goggles", 10, "normal")
	f.must(f.app.NeedStatusChanged(f.ctx, f.trigger(), events.NeedCancelledType, events.NeedChanged{NeedID: "n2"}))
	f.capacity("cap1", "m1", "goggles", 5, 1) // serves nx
	kn95 := events.CapacityReported{CapacityID: "capk", ManufacturerID: "m2", Item: "n95-respirator", Region: "330100", AvailableNow: 500, Standard: "GB 2626", Revision: 1}
	f.must(f.app.CapacityReported(f.ctx, f.trigger(), kn95))
	f.must(f.app.DonationPledged(f.ctx, f.trigger(), events.DonationPledged{DonationID: "don1", DonorID: "d1", Region: "110000",
		DirectedHospitalID: "h9", Lines: []events.DonationLine{{OfferID: "don1/0", Item: "n95-respirator", Quantity: 300}}}))
	f.must(f.app.DonationPledged(f.ctx, f.trigger(), events.DonationPledged{DonationID: "don2", DonorID: "d1", Region: "110000",
		Lines: []events.DonationLine{{OfferID: "don2/0", Item: "n95-respirator", Quantity: 300}}}))
	// don2 served n1 with 300 already.
	tests := []struct {
		name  string
		in    app.OverrideInput
		code  apperr.Code
		field string
	}{
		{"no reason", app.OverrideInput{NeedID: "n1", SourceKind: "donation", SourceID: "don2/0", Quantity: 1}, apperr.Unprocessable, "reason"},
		{"bad kind", app.OverrideInput{NeedID: "n1", SourceKind: "stock", SourceID: "don2/0", Quantity: 1, Reason: "r"}, apperr.Unprocessable, "source_kind"},
		{"no quantity", app.OverrideInput{NeedID: "n1", SourceKind: "donation", SourceID: "don2/0", Reason: "r"}, apperr.Unprocessable, "quantity"},
		{"unknown need", app.OverrideInput{NeedID: "n9", SourceKind: "donation", SourceID: "don2/0", Quantity: 1, Reason: "r"}, apperr.Unprocessable, "need_id"},
		{"wrong kind for the source", app.OverrideInput{NeedID: "n1", SourceKind: "capacity", SourceID: "don2/0", Quantity: 1, Reason: "r"}, apperr.Unprocessable, "source_id"},
		{"another item", app.OverrideInput{NeedID: "n1", SourceKind: "capacity", SourceID: "cap1", Quantity: 1, Reason: "r"}, apperr.Unprocessable, "source_id"},
		{"KN95 for a medical need", app.OverrideInput{NeedID: "n1", SourceKind: "capacity", SourceID: "capk", Quantity: 20, Reason: "r"}, apperr.Unprocessable, "source_id"},
		{"directed elsewhere", app.OverrideInput{NeedID: "n1", SourceKind: "donation", SourceID: "don1/0", Quantity: 20, Reason: "r"}, apperr.Unprocessable, "source_id"},
		{"more than the source has", app.OverrideInput{NeedID: "n1", SourceKind: "donation", SourceID: "don2/0", Quantity: 20, Reason: "r"}, apperr.Unprocessable, "quantity"},
		{"cancelled need", app.OverrideInput{NeedID: "n2", SourceKind: "capacity", SourceID: "capk", Quantity: 20, Reason: "r"}, apperr.Conflict, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.app.OverrideAllocation(f.ctx, reg, tt.in)
			if apperr.CodeOf(err) != tt.code {
				t.Fatalf("err %v, want %s", err, tt.code)
			}
			if tt.field != "" {
				found := false
				for _, fe := range apperr.As(err).Fields {
					found = found || fe.Field == tt.field
				}
				if !found {
					t.Fatalf("err %v does not name %s", err, tt.field)
				}
			}
		})
	}
	before := len(f.allocations())
	// A regulator redirects units: cancel the policy's, then give them by hand.
	var policyAlloc domain.Allocation
	for _, a := range f.allocations() {
		if a.SourceID == "don2/0" {
			policyAlloc = a
		}
	}
	_, err := f.app.CancelAllocation(f.ctx, reg, policyAlloc.ID, "wrong hospital")
	f.must(err)
	o, err := f.app.OverrideAllocation(f.ctx, reg, app.OverrideInput{NeedID: "n1", SourceKind: "donation", SourceID: "don2/0", Quantity: 200, Reason: " verified by phone "})
	f.must(err)
	if o.DecidedBy != "regulator:reg1" || o.Reason != "verified by phone" || o.Status != domain.StatusAccepted || o.Quantity != 200 || o.RunID != "" {
		t.Fatalf("override %+v", o)
	}
	if got := f.app.Book.OfferRemaining("don2/0"); got != 100 {
		t.Fatalf("don2/0 has %d left, want 100", got)
	}
	f.need("n3", "h3", "n95-respirator", 100, "critical") // the policy gives it the rest
	if len(f.allocations()) != before+2 {                 // n3's policy allocation and the override
		t.Fatalf("%d allocations, want %d", len(f.allocations()), before+2)
	}
	if got := f.app.Book.OfferRemaining("don2/0"); got != 0 {
		t.Fatalf("don2/0 has %d left, want 0 (100 to n3, 200 to n1)", got)
	}
}

func TestExpiry(t *testing.T) {
	f := newFixture(t)
	f.need("n1", "h1", "ventilator", 5, "high")
	f.capacity("cap1", "m1", "ventilator", 5, 1)
	f.need("n2", "h1", "goggles", 5, "high")
	f.capacity("cap2", "m1", "goggles", 5, 1)
	var accepted string
	for _, a := range f.allocations() {
		if a.Item == "goggles" {
			accepted = a.ID
			_, err := f.app.AcceptAllocation(f.ctx, m1, a.ID)
			f.must(err)
		}
	}
	f.now = t0.Add(47 * time.Hour)
	if n, err := f.app.ExpireAllocations(f.ctx); err != nil || n != 0 {
		t.Fatalf("expired %d early (%v)", n, err)
	}
	f.now = t0.Add(48 * time.Hour)
	n, err := f.app.ExpireAllocations(f.ctx)
	f.must(err)
	if n != 1 {
		t.Fatalf("expired %d, want 1", n)
	}
	for _, a := range f.allocations() {
		if (a.ID == accepted) != (a.Status == domain.StatusAccepted) || (a.ID != accepted && a.Status != domain.StatusExpired) {
			t.Fatalf("%+v", a)
		}
	}
	if f.app.Book.NeedRemaining("n1") != 5 {
		t.Fatal("an expired proposal still holds the need")
	}
}
