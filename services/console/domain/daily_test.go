package domain_test

import (
	"testing"

	"github.com/aidflow/aidflow/services/console/domain"
)

func TestDaysAgainstDemand(t *testing.T) {
	supply := []domain.CapacityDay{
		{Date: "2026-03-02", Item: "n95-respirator", Province: "", AvailableNow: 1000, DailyRate: 100, Reserved: 400},
		{Date: "2026-03-02", Item: "n95-respirator", Province: "420000", AvailableNow: 1000, DailyRate: 100, Reserved: 400},
		{Date: "2026-03-03", Item: "n95-respirator", Province: "", AvailableNow: 300, DailyRate: 100, Reserved: 500}, // over-reserved
		{Date: "2026-03-03", Item: "goggles", Province: "", AvailableNow: 50, DailyRate: 0},
	}
	demand := []domain.NeedsDay{
		{Date: "2026-03-02", Item: "n95-respirator", Province: "", OpenNeeds: 3, Unallocated: 500},
		{Date: "2026-03-02", Item: "n95-respirator", Province: "420000", OpenNeeds: 1, Unallocated: 900},
		{Date: "2026-03-03", Item: "n95-respirator", Province: "", OpenNeeds: 3, Unallocated: 250},
		{Date: "2026-03-03", Item: "ventilator", Province: "", OpenNeeds: 1, Unallocated: 2},
		{Date: "2026-03-01", Item: "goggles", Province: "", OpenNeeds: 1, Unallocated: 60},
	}
	type row struct {
		date, item                  string
		remaining, unalloc, gap, dc int64
	}
	for _, tt := range []struct {
		province string
		want     []row
	}{
		{"", []row{
			{"2026-03-01", "goggles", 0, 60, 60, -1}, // demand, no supply that day
			{"2026-03-02", "n95-respirator", 600, 500, 0, 0},
			{"2026-03-03", "goggles", 50, 0, 0, 0},
			{"2026-03-03", "n95-respirator", 0, 250, 250, 3}, // nothing left to give: 3 days of 100
			{"2026-03-03", "ventilator", 0, 2, 2, -1},
		}},
		{"420000", []row{{"2026-03-02", "n95-respirator", 600, 900, 300, 3}}},
		{"110000", nil},
	} {
		got := domain.DaysAgainstDemand(supply, demand, tt.province)
		if len(got) != len(tt.want) {
			t.Fatalf("%q: %+v", tt.province, got)
		}
		for i, w := range tt.want {
			g := got[i]
			if g.Date != w.date || g.Item != w.item || g.Remaining != w.remaining || g.Demand.Unallocated != w.unalloc ||
				g.Gap != w.gap || g.DaysToCover != w.dc || g.KeepingUp() != (w.gap == 0) {
				t.Errorf("%q row %d = %+v, want %+v", tt.province, i, g, w)
			}
		}
	}
}
