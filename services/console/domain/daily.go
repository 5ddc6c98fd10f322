package domain

import (
	"cmp"
	"slices"
)

// DayRow is supply and open demand on one day for one item in one place:
// was supply keeping up that day?
type DayRow struct {
	Date string
	Item string
	// Supply is the manufacturers' reports at the day's end; zero when
	// none stood.
	Supply CapacityDay
	// Demand is the needs open at the day's end, and that day's postings
	// and deliveries; zero when none was open.
	Demand NeedsDay
	// Remaining is what sources could still give at the day's end:
	// available − reserved.
	Remaining int64
	// Gap is unallocated demand that Remaining did not cover; DaysToCover
	// the days of output that close it (-1: a gap and no output), as in
	// SupplyRow.
	Gap         int64
	DaysToCover int64
}

// KeepingUp reports whether what sources could still give covered the
// demand no allocation held yet.
func (r DayRow) KeepingUp() bool { return r.Gap == 0 }

// DaysAgainstDemand sets supply per day beside open demand per day for one
// province ("" nationwide), by date then item: one row for each date and
// item either side has.
func DaysAgainstDemand(supply []CapacityDay, demand []NeedsDay, province string) []DayRow {
	type key struct{ date, item string }
	rows := map[key]*DayRow{}
	row := func(date, item string) *DayRow {
		k := key{date, item}
		if rows[k] == nil {
			rows[k] = &DayRow{Date: date, Item: item}
		}
		return rows[k]
	}
	for _, s := range supply {
		if s.Province == province {
			row(s.Date, s.Item).Supply = s
		}
	}
	for _, d := range demand {
		if d.Province == province {
			row(d.Date, d.Item).Demand = d
		}
	}
	out := make([]DayRow, 0, len(rows))
	for _, r := range rows {
		r.Remaining = max(r.Supply.AvailableNow-r.Supply.Reserved, 0)
		r.Gap, r.DaysToCover = cover(r.Demand.Unallocated, r.Remaining, r.Supply.DailyRate)
		out = append(out, *r)
	}
	slices.SortFunc(out, func(a, b DayRow) int { return cmp.Or(cmp.Compare(a.Date, b.Date), cmp.Compare(a.Item, b.Item)) })
	return out
}
