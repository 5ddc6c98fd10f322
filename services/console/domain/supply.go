package domain

import (
	"cmp"
	"slices"
	"time"

	"github.com/aidflow/aidflow/contracts/regions"
)

// DefaultStaleAfter is how long a manufacturer may go without a capacity
// report before the console lists it as stale: two days, since the 2020
// dispatch platform collected figures daily and one missed day is common.
const DefaultStaleAfter = 48 * time.Hour

// Nationwide is the Province of an item's national row.
const Nationwide = ""

// SupplyRow is supply against open demand for one item in one province
// (or nationwide, Province ""): is supply keeping up?
type SupplyRow struct {
	Item     string
	Province string
	// AvailableNow, Remaining and DailyRate sum the current capacity
	// reports of the province's manufacturers.
	AvailableNow, Remaining, DailyRate int64
	// OpenDemand sums what the province's hospitals' needs still lack.
	OpenDemand int64
	// Gap is OpenDemand - Remaining when positive: what no source can give now.
	Gap int64
	// DaysToCover is how many days of the reported daily output close the
	// gap; -1 when there is a gap and no output.
	DaysToCover int64
}

// KeepingUp reports whether what sources may still give covers open demand.
func (r SupplyRow) KeepingUp() bool { return r.Gap == 0 }

// SupplyAgainstDemand adds capacity and needs up per item and province,
// national rows first in each item, the worst gap first among items.
func SupplyAgainstDemand(caps []Capacity, needs []Need) []SupplyRow {
	type key struct{ item, province string }
	rows := map[key]*SupplyRow{}
	row := func(item, province string) *SupplyRow {
		k := key{item, province}
		if rows[k] == nil {
			rows[k] = &SupplyRow{Item: item, Province: province}
		}
		return rows[k]
	}
	for _, c := range caps {
		for _, r := range []*SupplyRow{row(c.Item, Nationwide), row(c.Item, regions.ProvinceOf(c.Region))} {
			r.AvailableNow += c.AvailableNow
			r.Remaining += c.Remaining
			r.DailyRate += c.DailyRate
		}
	}
	for _, n := range needs {
		if o := n.Outstanding(); o > 0 {
			row(n.Item, Nationwide).OpenDemand += o
			row(n.Item, regions.ProvinceOf(n.Region)).OpenDemand += o
		}
	}
	out := make([]SupplyRow, 0, len(rows))
	for _, r := range rows {
		r.Gap, r.DaysToCover = cover(r.OpenDemand, r.Remaining, r.DailyRate)
		out = append(out, *r)
	}
	national := map[string]int64{}
	for _, r := range out {
		if r.Province == Nationwide {
			national[r.Item] = r.Gap
		}
	}
	slices.SortFunc(out, func(a, b SupplyRow) int {
		if a.Item != b.Item {
			return cmp.Or(cmp.Compare(national[b.Item], national[a.Item]), cmp.Compare(a.Item, b.Item))
		}
		if (a.Province == Nationwide) != (b.Province == Nationwide) {
			if a.Province == Nationwide {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(b.Gap, a.Gap), cmp.Compare(a.Province, b.Province))
	})
	return out
}

// cover is how far supply falls short of demand: the gap (demand that
// what sources may still give, remaining, does not cover) and the days of
// output (dailyRate) that close it, -1 when there is a gap and no output.
func cover(demand, remaining, dailyRate int64) (gap, days int64) {
	gap = max(demand-max(remaining, 0), 0)
	switch {
	case gap == 0:
	case dailyRate > 0:
		days = (gap + dailyRate - 1) / dailyRate
	default:
		days = -1
	}
	return gap, days
}

// ManufacturerRow is one manufacturer's reporting and declining.
type ManufacturerRow struct {
	ID string
	// Items is how many items it reports; LastReport its latest report.
	Items      int
	LastReport time.Time
	Stale      bool
	// AvailableNow sums its current reports.
	AvailableNow int64
	// Allocations counts those given to it; Declined those it declined.
	Allocations, Declined int
}

// DeclineRate is Declined / Allocations, 0 with none.
func (m ManufacturerRow) DeclineRate() float64 {
	if m.Allocations == 0 {
		return 0
	}
	return float64(m.Declined) / float64(m.Allocations)
}

// Manufacturers lists every manufacturer that reported capacity or was
// given an allocation from capacity (the matcher's statistics): stale ones
// first, then the most declines. A manufacturer with allocations but no
// report is stale.
func Manufacturers(caps []Capacity, stats []SourceStats, now time.Time, staleAfter time.Duration) []ManufacturerRow {
	rows := map[string]*ManufacturerRow{}
	row := func(id string) *ManufacturerRow {
		if rows[id] == nil {
			rows[id] = &ManufacturerRow{ID: id}
		}
		return rows[id]
	}
	for _, c := range caps {
		m := row(c.ManufacturerID)
		m.Items++
		m.AvailableNow += c.AvailableNow
		if c.ReportedAt.After(m.LastReport) {
			m.LastReport = c.ReportedAt
		}
	}
	for _, s := range stats {
		if s.SourceKind != "capacity" || s.SourceOrgID == "" {
			continue
		}
		m := row(s.SourceOrgID)
		m.Allocations += s.Total
		m.Declined += s.Declined
	}
	out := make([]ManufacturerRow, 0, len(rows))
	for _, m := range rows {
		m.Stale = m.LastReport.IsZero() || now.Sub(m.LastReport) > staleAfter
		out = append(out, *m)
	}
	slices.SortFunc(out, func(a, b ManufacturerRow) int {
		if a.Stale != b.Stale {
			if a.Stale {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(b.Declined, a.Declined), cmp.Compare(a.ID, b.ID))
	})
	return out
}
