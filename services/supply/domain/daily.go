package domain

import (
	"cmp"
	"slices"
	"time"

	"github.com/aidflow/aidflow/contracts/regions"
)

// HistoryDays is how many days of figures each report keeps (the day of
// its last change and the days before it): a month, enough to see whether
// supply keeps up with a wave of demand.
const HistoryDays = 31

// chinaTime is the day the figures are filed under: a regulator's day.
var chinaTime = time.FixedZone("CST", 8*3600)

// Day is the date of t in China time, YYYY-MM-DD.
func Day(t time.Time) string { return t.In(chinaTime).Format(time.DateOnly) }

// DayFigure is a report's state at the end of one day (its last change
// that day): stock, daily output, reserved units, and whether the
// manufacturer reported that day (rather than only allocations moving).
type DayFigure struct {
	Date         string
	AvailableNow int64
	DailyRate    int64
	Reserved     int64
	Reported     bool
}

// RecordDay files c's current figures under now's day, keeping at most
// HistoryDays days. reported says the change was the manufacturer's report.
func (c *Capacity) RecordDay(now time.Time, reported bool) {
	f := DayFigure{Date: Day(now), AvailableNow: c.AvailableNow, DailyRate: c.DailyRate, Reserved: c.Reserved(), Reported: reported}
	days := slices.Clone(c.Days)
	if n := len(days); n > 0 && days[n-1].Date == f.Date {
		f.Reported = f.Reported || days[n-1].Reported
		days[n-1] = f
	} else {
		days = append(days, f)
	}
	oldest := Day(now.AddDate(0, 0, -(HistoryDays - 1)))
	c.Days = slices.DeleteFunc(days, func(d DayFigure) bool { return d.Date < oldest })
}

// FigureOn is c's figure at the end of date: the last one filed on or
// before it (a report stands until replaced); false before the first.
func (c Capacity) FigureOn(date string) (DayFigure, bool) {
	var out DayFigure
	ok := false
	for _, d := range c.Days {
		if d.Date > date {
			break
		}
		out, ok = d, true
	}
	return out, ok
}

// DailyRow is supply on one day for one item, nationwide (Province "")
// and per province: the sum of every report's end-of-day figures, how
// many reports stood, and how many manufacturers reported that day.
type DailyRow struct {
	Date         string
	Item         string
	Province     string
	AvailableNow int64
	DailyRate    int64
	Reserved     int64
	// Sources counts the reports standing that day; Reported those the
	// manufacturer sent or renewed that day.
	Sources  int
	Reported int
}

// Daily adds the reports' history up for each of dates, by item and
// province (nationwide rows first), in date order.
func Daily(caps []Capacity, dates []string) []DailyRow {
	type key struct{ date, item, province string }
	rows := map[key]*DailyRow{}
	for _, c := range caps {
		province := regions.ProvinceOf(c.Region)
		for _, date := range dates {
			f, ok := c.FigureOn(date)
			if !ok {
				continue
			}
			for _, p := range []string{"", province} {
				k := key{date, c.Item, p}
				r := rows[k]
				if r == nil {
					r = &DailyRow{Date: date, Item: c.Item, Province: p}
					rows[k] = r
				}
				r.AvailableNow += f.AvailableNow
				r.DailyRate += f.DailyRate
				r.Reserved += f.Reserved
				r.Sources++
				if f.Reported && f.Date == date {
					r.Reported++
				}
			}
		}
	}
	out := make([]DailyRow, 0, len(rows))
	for _, r := range rows {
		out = append(out, *r)
	}
	slices.SortFunc(out, func(a, b DailyRow) int {
		return cmp.Or(cmp.Compare(a.Date, b.Date), cmp.Compare(a.Item, b.Item), cmp.Compare(a.Province, b.Province))
	})
	return out
}

// Dates are the n days ending with now's, oldest first.
func Dates(now time.Time, n int) []string {
	out := make([]string, n)
	for i := range n {
		out[i] = Day(now.AddDate(0, 0, i-(n-1)))
	}
	return out
}
