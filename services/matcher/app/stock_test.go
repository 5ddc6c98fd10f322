package app_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/matcher/app"
)

// TestStockReportRaisesTheClass: a normal need of a hospital with under
// three days of supply is served before another hospital's high need, and
// the raise survives a restart (the report is stored).
func TestStockReportRaisesTheClass(t *testing.T) {
	f := newFixture(t)
	f.need("n1", "h1", "ventilator", 10, "normal")
	f.need("n2", "h2", "ventilator", 10, "high")
	f.must(f.app.StockReported(f.ctx, f.trigger(), events.StockReported{HospitalID: "h1", Item: "ventilator", OnHand: 2, DailyConsumption: 1}))
	f.app = f.open() // the report must come back from the store
	f.capacity("c1", "m1", "ventilator", 10, 1)
	got := toNeed(f.allocations())
	if got["n1"] != 10 || got["n2"] != 0 {
		t.Fatalf("by need %v, want n1 10 (raised to critical), n2 0", got)
	}
	if r := f.allocations()[0].Reason; !strings.Contains(r, "days of supply") {
		t.Errorf("reason %q does not say why the class was raised", r)
	}
}

// TestStockReportLowersTheClassAgain: a later report with enough stock
// takes the raise away.
func TestStockReportLowersTheClassAgain(t *testing.T) {
	f := newFixture(t)
	f.need("n1", "h1", "ventilator", 10, "normal")
	f.need("n2", "h2", "ventilator", 10, "high")
	f.must(f.app.StockReported(f.ctx, f.trigger(), events.StockReported{HospitalID: "h1", Item: "ventilator", OnHand: 2, DailyConsumption: 1}))
	f.must(f.app.StockReported(f.ctx, f.trigger(), events.StockReported{HospitalID: "h1", Item: "ventilator", OnHand: 30, DailyConsumption: 1}))
	f.capacity("c1", "m1", "ventilator", 10, 1)
	if got := toNeed(f.allocations()); got["n1"] != 0 || got["n2"] != 10 {
		t.Fatalf("by need %v, want n2 10", got)
	}
}

// TestStandbyChangesNothing: an instance without the lease refuses every
// change with ErrStandby and writes nothing.
func TestStandbyChangesNothing(t *testing.T) {
	f := newFixture(t)
	f.need("n1", "h1", "ventilator", 10, "normal")
	f.capacity("c1", "m1", "ventilator", 4, 1)
	al := f.only()
	f.app.Active = func() bool { return false }
	before := len(f.repo.Events())
	errs := []error{
		f.app.CapacityReported(f.ctx, f.trigger(), events.CapacityReported{CapacityID: "c2", ManufacturerID: "m2", Item: "ventilator", Region: "330100", AvailableNow: 9, Revision: 1}),
		f.app.Sweep(f.ctx),
	}
	_, err := f.app.AcceptAllocation(f.ctx, m1, al.ID)
	errs = append(errs, err)
	_, err = f.app.ExpireAllocations(f.ctx)
	errs = append(errs, err)
	_, err = f.app.OverrideAllocation(f.ctx, reg, app.OverrideInput{NeedID: "n1", SourceKind: "capacity", SourceID: "c1", Quantity: 1, Reason: "r"})
	errs = append(errs, err)
	for i, err := range errs {
		if !errors.Is(err, app.ErrStandby) {
			t.Errorf("change %d: %v, want ErrStandby", i, err)
		}
	}
	if n := len(f.repo.Events()); n != before {
		t.Fatalf("a standby announced %d events", n-before)
	}
}
