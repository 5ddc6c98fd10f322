// Package daily keeps a month of end-of-day figures inside a record (a
// capacity report, a need) and adds them up per day, item and province,
// nationwide too: the per-day views regulators read to see whether supply
// keeps up with demand. What a figure holds is the service's; the days,
// the bound and the sums are the same everywhere and live here.
package daily

import (
	"cmp"
	"slices"
	"strconv"
	"time"

	"github.com/aidflow/aidflow/contracts/regions"
	"github.com/aidflow/aidflow/shared/apperr"
)

// HistoryDays is how many days of figures a record keeps (the day of its
// last change and the days before it): a month, enough to see whether
// supply keeps up with a wave of demand.
const HistoryDays = 31

// DefaultDays is how many days a per-day list covers unless asked.
const DefaultDays = 7

// ParseDays reads a list's days parameter: DefaultDays when empty, 0 (which
// CheckDays refuses, naming the field) when not a whole number.
func ParseDays(s string) int {
	if s == "" {
		return DefaultDays
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0
	}
	return n
}

// CheckDays refuses a days parameter outside 1..HistoryDays: no record
// keeps more.
func CheckDays(v *apperr.Validation, days int) {
	v.Check(days >= 1 && days <= HistoryDays, "days", "must be a whole number from 1 to %d", HistoryDays)
}

// China is the time zone figures are filed in: a regulator's day, UTC+8
// with no daylight saving. A fixed zone keeps the days independent of the
// host's time-zone database.
var China = time.FixedZone("UTC+8", 8*60*60)

// Day is the date of t in China time, YYYY-MM-DD.
func Day(t time.Time) string { return t.In(China).Format(time.DateOnly) }

// Dates are the n days ending with now's, oldest first.
func Dates(now time.Time, n int) []string {
	out := make([]string, n)
	for i := range n {
		out[i] = Day(now.AddDate(0, 0, i-(n-1)))
	}
	return out
}

// Dated is a figure filed under a day (YYYY-MM-DD, see Day).
type Dated interface{ Day() string }

// Figure is a record's state at the end of one day: its last change that
// day.
type Figure[F any] interface {
	Dated
	// Replacing is this figure filed over an earlier one of the same day.
	// It keeps what the earlier one said happened that day (a report sent,
	// a need posted, units delivered), since only the last figure of a day
	// is kept.
	Replacing(earlier F) F
}

// Record files f in days (oldest first) and returns the new list: f
// replaces a figure of its own day or follows the last. Figures older than
// the HistoryDays ending with now's day are dropped, but for the one that
// stood when that window began: a figure stands until replaced, so a
// record unchanged for weeks still counts on the window's first days. At
// most HistoryDays+1 figures remain. days is not modified.
func Record[F Figure[F]](days []F, f F, now time.Time) []F {
	days = slices.Clone(days)
	if n := len(days); n > 0 && days[n-1].Day() == f.Day() {
		days[n-1] = f.Replacing(days[n-1])
	} else {
		days = append(days, f)
	}
	oldest := Day(now.AddDate(0, 0, -(HistoryDays - 1)))
	first := 0
	for first+1 < len(days) && days[first+1].Day() <= oldest {
		first++
	}
	return slices.Delete(days, 0, first)
}

// On is the figure of days (oldest first) that stood at the end of date:
// the last one filed on or before it; false before the first.
func On[F Dated](days []F, date string) (F, bool) {
	i, found := slices.BinarySearchFunc(days, date, func(f F, d string) int { return cmp.Compare(f.Day(), d) })
	if found {
		return days[i], true
	}
	if i == 0 {
		var zero F
		return zero, false
	}
	return days[i-1], true
}

// Key names one row of Totals: a date, an item and a province (its GB/T
// 2260 code, "" for the nationwide row). Rows embed it; its JSON names
// are the API's.
type Key struct {
	Date     string `json:"date"`
	Item     string `json:"item"`
	Province string `json:"province"`
}

// Cursor is the key as text that sorts like the rows (date, item,
// province): a list's page key.
func (k Key) Cursor() string { return k.Date + "\x00" + k.Item + "\x00" + k.Province }

// Totals adds records' figures up per date, item and province, nationwide
// too. Rows are made when a figure first counts towards them.
type Totals[R any] struct {
	dates  []string
	newRow func(Key) R
	// cols holds, per item and province, one cell per date.
	cols map[[2]string][]cell[R]
	// provinces remembers each region's province: finding it allocates.
	provinces map[string]string
}

type cell[R any] struct {
	used bool
	row  R
}

// NewTotals returns empty totals over dates (ascending); newRow makes the
// row of a key before anything is added to it.
func NewTotals[R any](dates []string, newRow func(Key) R) *Totals[R] {
	return &Totals[R]{dates: dates, newRow: newRow, cols: map[[2]string][]cell[R]{}, provinces: map[string]string{}}
}

// column returns the cells of item in province, made with their rows
// (newRow) the first time; a cell is used once a figure counts in it.
func (t *Totals[R]) column(item, province string) []cell[R] {
	k := [2]string{item, province}
	c, ok := t.cols[k]
	if !ok {
		c = make([]cell[R], len(t.dates))
		for i, date := range t.dates {
			c[i].row = t.newRow(Key{Date: date, Item: item, Province: province})
		}
		t.cols[k] = c
	}
	return c
}

// Add counts one record of item in region: for each of the dates on which
// one of its figures (days, oldest first) stood, add is called on the
// nationwide row and on the row of the region's province (once only, the
// nationwide row, when the region names no province). add may decide that
// a figure does not count: it returns false, having changed nothing, and
// no row is made for it.
func Add[F Dated, R any](t *Totals[R], item, region string, days []F, add func(r *R, date string, f F) bool) {
	if len(days) == 0 {
		return
	}
	cols := [2][]cell[R]{t.column(item, "")}
	n := 1
	p, ok := t.provinces[region]
	if !ok {
		p = regions.ProvinceOf(region)
		t.provinces[region] = p
	}
	if p != "" {
		cols[1] = t.column(item, p)
		n = 2
	}
	// j is the figure standing on the date; most records last changed
	// before the first date, and then one comparison settles every date.
	j := -1
	if len(t.dates) > 0 && days[len(days)-1].Day() <= t.dates[0] {
		j = len(days) - 1
	}
	for i, date := range t.dates {
		for j+1 < len(days) && days[j+1].Day() <= date {
			j++
		}
		if j < 0 {
			continue
		}
		for _, c := range cols[:n] {
			// In place: a figure that does not count changed nothing.
			if add(&c[i].row, date, days[j]) {
				c[i].used = true
			}
		}
	}
}

// Rows returns every row made, by date, item and province (the nationwide
// row first).
func (t *Totals[R]) Rows() []R {
	type keyed struct {
		k Key
		r R
	}
	var all []keyed
	for ip, col := range t.cols {
		for i, c := range col {
			if c.used {
				all = append(all, keyed{Key{Date: t.dates[i], Item: ip[0], Province: ip[1]}, c.row})
			}
		}
	}
	slices.SortFunc(all, func(a, b keyed) int {
		return cmp.Or(cmp.Compare(a.k.Date, b.k.Date), cmp.Compare(a.k.Item, b.k.Item), cmp.Compare(a.k.Province, b.k.Province))
	})
	out := make([]R, len(all))
	for i, a := range all {
		out[i] = a.r
	}
	return out
}
