package domain_test

import (
	"testing"
	"time"

	"github.com/aidflow/aidflow/services/console/domain"
)

func TestSupplyAgainstDemand(t *testing.T) {
	caps := []domain.Capacity{
		{ManufacturerID: "m1", Item: "n95-respirator", Region: "330100", AvailableNow: 1000, Remaining: 600, DailyRate: 100},
		{ManufacturerID: "m2", Item: "n95-respirator", Region: "420100", AvailableNow: 50, Remaining: 50},
		{ManufacturerID: "m1", Item: "goggles", Region: "330100", AvailableNow: 10, Remaining: 10, DailyRate: 5},
	}
	needs := []domain.Need{
		{Item: "n95-respirator", Region: "420100", Quantity: 1000, AllocatedQuantity: 200, Status: "partially_allocated"},
		{Item: "n95-respirator", Region: "420200", Quantity: 300, Status: "stale"},
		{Item: "n95-respirator", Region: "420100", Quantity: 999, Status: "cancelled"},
		{Item: "n95-respirator", Region: "330100", Quantity: 50, AllocatedQuantity: 50, Status: "allocated"},
		{Item: "ventilator", Region: "110000", Quantity: 3, Status: "open"},
	}
	type row struct {
		item, province                      string
		remaining, daily, demand, gap, days int64
	}
	want := []row{
		// The worst national gap first: n95 (1100 - 650 = 450).
		{"n95-respirator", "", 650, 100, 1100, 450, 5},
		{"n95-respirator", "420000", 50, 0, 1100, 1050, -1},
		{"n95-respirator", "330000", 600, 100, 0, 0, 0},
		{"ventilator", "", 0, 0, 3, 3, -1},
		{"ventilator", "110000", 0, 0, 3, 3, -1},
		{"goggles", "", 10, 5, 0, 0, 0},
		{"goggles", "330000", 10, 5, 0, 0, 0},
	}
	got := domain.SupplyAgainstDemand(caps, needs)
	if len(got) != len(want) {
		t.Fatalf("got %d rows: %+v", len(got), got)
	}
	for i, w := range want {
		g := got[i]
		if g.Item != w.item || g.Province != w.province || g.Remaining != w.remaining || g.DailyRate != w.daily || g.OpenDemand != w.demand || g.Gap != w.gap || g.DaysToCover != w.days || g.KeepingUp() != (w.gap == 0) {
			t.Errorf("row %d = %+v, want %+v", i, g, w)
		}
	}
}

func TestManufacturers(t *testing.T) {
	now := time.Date(2026, 3, 5, 8, 0, 0, 0, time.UTC)
	caps := []domain.Capacity{
		{ManufacturerID: "m1", Item: "n95-respirator", AvailableNow: 10, ReportedAt: now.Add(-time.Hour)},
		{ManufacturerID: "m1", Item: "goggles", AvailableNow: 5, ReportedAt: now.Add(-72 * time.Hour)},
		{ManufacturerID: "m2", Item: "n95-respirator", ReportedAt: now.Add(-49 * time.Hour)},
		{ManufacturerID: "m3", Item: "n95-respirator", ReportedAt: now.Add(-2 * time.Hour)},
	}
	stats := []domain.SourceStats{
		{SourceOrgID: "m1", SourceKind: "capacity", Total: 1, Declined: 1},
		{SourceOrgID: "m3", SourceKind: "capacity", Total: 3, Declined: 2},
		{SourceOrgID: "m4", SourceKind: "capacity", Total: 1},
		{SourceOrgID: "d1", SourceKind: "donation", Total: 1, Declined: 1},
	}
	got := domain.Manufacturers(caps, stats, now, 48*time.Hour)
	type row struct {
		id               string
		stale            bool
		items, allocs, d int
		rate             float64
	}
	want := []row{
		{"m2", true, 1, 0, 0, 0}, // last report 49 h ago
		{"m4", true, 0, 1, 0, 0}, // allocated but never reported
		{"m3", false, 1, 3, 2, 2.0 / 3},
		{"m1", false, 2, 1, 1, 1}, // its latest report is an hour old
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i, w := range want {
		g := got[i]
		if g.ID != w.id || g.Stale != w.stale || g.Items != w.items || g.Allocations != w.allocs || g.Declined != w.d || g.DeclineRate() != w.rate {
			t.Errorf("row %d = %+v, want %+v", i, g, w)
		}
	}
	if !got[3].LastReport.Equal(now.Add(-time.Hour)) || got[3].AvailableNow != 15 {
		t.Errorf("m1: %+v", got[3])
	}
}
