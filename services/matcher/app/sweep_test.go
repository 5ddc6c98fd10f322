package app_test

import (
	"testing"
	"time"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/matcher/app"
	"github.com/aidflow/aidflow/services/matcher/domain"
)

// TestSweepActsOnTheDate: a need no source can reach in time is served by
// the sweep once it is overdue (no event came in between); a second sweep
// the same day decides nothing new, and the ids are the sweep's.
func TestSweepActsOnTheDate(t *testing.T) {
	f := newFixture(t)
	f.must(f.app.NeedPosted(f.ctx, f.trigger(), events.NeedPosted{NeedID: "n1", HospitalID: "h1", Item: "ventilator", Quantity: 4,
		Urgency: "high", NeededBy: "2026-03-02", Region: "420100"}))
	// 330100 is 562 km away (1 day) and needs 2 days first: 3 > 1 day left.
	f.must(f.app.CapacityReported(f.ctx, f.trigger(), events.CapacityReported{CapacityID: "c1", ManufacturerID: "m1", Item: "ventilator",
		Region: "330100", AvailableNow: 10, LeadTimeDays: 2, Revision: 1}))
	f.must(f.app.Sweep(f.ctx))
	if as := f.allocations(); len(as) != 0 {
		t.Fatalf("allocated before the need was overdue: %+v", as)
	}
	f.now = t0.Add(48 * time.Hour) // 2026-03-03: n1 is overdue, any source serves it
	f.must(f.app.Sweep(f.ctx))
	al := f.only()
	if al.NeedID != "n1" || al.Quantity != 4 || al.RunID != "sweep/2026-03-03" || al.ID != domain.NewAllocationID("sweep/2026-03-03", al.Item, 0) {
		t.Fatalf("sweep allocation %+v", al)
	}
	f.must(f.app.Sweep(f.ctx))
	if n := len(f.allocations()); n != 1 {
		t.Fatalf("a second sweep the same day allocated again: %d allocations", n)
	}
}

func TestSweepTrigger(t *testing.T) {
	// 17:00 UTC on 3 March is 01:00 on 4 March in Beijing.
	trig := app.SweepTrigger(time.Date(2026, 3, 3, 17, 0, 0, 0, time.UTC))
	if trig.EventID != "sweep/2026-03-04" {
		t.Fatalf("trigger %q", trig.EventID)
	}
	day, ok := app.SweepDay(trig.EventID)
	if !ok || app.Today(day).Format(time.DateOnly) != "2026-03-04" {
		t.Fatalf("day %v %v", day, ok)
	}
	if _, ok := app.SweepDay("evt_1"); ok {
		t.Fatal("an event id read as a sweep")
	}
}
