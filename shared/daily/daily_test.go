package daily_test

import (
	"slices"
	"testing"
	"time"

	"github.com/aidflow/aidflow/shared/apperr"
	"github.com/aidflow/aidflow/shared/daily"
)

// fig is a figure as a service would keep one: a level at the end of the
// day and a flag for something that happened that day.
type fig struct {
	Date  string
	Level int64
	Event bool
}

func (f fig) Day() string { return f.Date }

func (f fig) Replacing(earlier fig) fig {
	f.Event = f.Event || earlier.Event
	return f
}

func TestDay(t *testing.T) {
	for _, tt := range []struct {
		at   time.Time
		want string
	}{
		{time.Date(2020, 2, 1, 15, 59, 59, 0, time.UTC), "2020-02-01"}, // 23:59:59 in China
		{time.Date(2020, 2, 1, 16, 0, 0, 0, time.UTC), "2020-02-02"},   // midnight in China
		{time.Date(2020, 2, 29, 23, 0, 0, 0, time.FixedZone("X", -5*3600)), "2020-03-01"},
	} {
		if got := daily.Day(tt.at); got != tt.want {
			t.Errorf("Day(%v) = %s, want %s", tt.at, got, tt.want)
		}
	}
	if d := daily.Dates(time.Date(2020, 2, 3, 20, 0, 0, 0, time.UTC), 3); !slices.Equal(d, []string{"2020-02-02", "2020-02-03", "2020-02-04"}) {
		t.Errorf("dates %v", d)
	}
	if d := daily.Dates(time.Date(2020, 3, 1, 2, 0, 0, 0, time.UTC), 2); !slices.Equal(d, []string{"2020-02-29", "2020-03-01"}) {
		t.Errorf("dates over a leap day %v", d)
	}
}

func TestRecord(t *testing.T) {
	day1 := time.Date(2020, 2, 1, 2, 0, 0, 0, time.UTC) // 10:00 in China
	var days []fig
	days = daily.Record(days, fig{Date: daily.Day(day1), Level: 100, Event: true}, day1)
	late := day1.Add(15 * time.Hour) // 17:00 UTC: the next day in China
	days = daily.Record(days, fig{Date: daily.Day(late), Level: 90, Event: true}, late)
	before := slices.Clone(days)
	later := late.Add(time.Hour)
	days = daily.Record(days, fig{Date: daily.Day(later), Level: 80}, later)
	if want := []fig{{"2020-02-01", 100, true}, {"2020-02-02", 80, true}}; !slices.Equal(days, want) {
		t.Fatalf("days %+v, want %+v (the day's last level, its event kept)", days, want)
	}
	if !slices.Equal(before, []fig{{"2020-02-01", 100, true}, {"2020-02-02", 90, true}}) {
		t.Fatalf("Record changed the list it was given: %+v", before)
	}

	// A month on, the window starts on 2020-02-02: the figure filed that
	// day is the one standing, 2020-02-01 goes.
	month := day1.AddDate(0, 0, daily.HistoryDays)
	days = daily.Record(days, fig{Date: daily.Day(month), Level: 70}, month)
	if len(days) != 2 || days[0].Date != "2020-02-02" || days[1].Date != "2020-03-03" {
		t.Fatalf("after a month: %+v", days)
	}

	// A figure filed long before the window still stood when the window
	// began: it is kept (one beyond the 31 days), the older ones are not.
	old := []fig{{"2020-01-01", 5, true}, {"2020-01-10", 6, false}}
	got := daily.Record(old, fig{Date: "2020-03-03", Level: 7}, month)
	if want := []fig{{"2020-01-10", 6, false}, {"2020-03-03", 7, false}}; !slices.Equal(got, want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	if f, ok := daily.On(got, "2020-02-15"); !ok || f.Level != 6 {
		t.Errorf("On inside the window, before its first change: %+v %v", f, ok)
	}

	// Every day changed for two months: the bound holds.
	days = nil
	for i := range 60 {
		at := day1.AddDate(0, 0, i)
		days = daily.Record(days, fig{Date: daily.Day(at), Level: int64(i)}, at)
	}
	if len(days) != daily.HistoryDays || days[0].Date != daily.Day(day1.AddDate(0, 0, 60-daily.HistoryDays)) {
		t.Fatalf("%d figures from %s", len(days), days[0].Date)
	}
}

func TestOn(t *testing.T) {
	days := []fig{{"2020-02-01", 100, true}, {"2020-02-03", 50, false}}
	for _, tt := range []struct {
		date string
		want int64
		ok   bool
	}{{"2020-01-31", 0, false}, {"2020-02-01", 100, true}, {"2020-02-02", 100, true}, {"2020-02-03", 50, true}, {"2020-02-20", 50, true}} {
		f, ok := daily.On(days, tt.date)
		if ok != tt.ok || f.Level != tt.want {
			t.Errorf("On(%s) = %+v %v, want %d %v", tt.date, f, ok, tt.want, tt.ok)
		}
	}
	if _, ok := daily.On([]fig(nil), "2020-02-01"); ok {
		t.Error("On of no figures")
	}
}

type row struct {
	daily.Key
	Level   int64
	Records int
	Events  int
}

func TestTotals(t *testing.T) {
	dates := []string{"2020-02-01", "2020-02-02", "2020-02-03"}
	tot := daily.NewTotals(dates, func(k daily.Key) row { return row{Key: k} })
	add := func(r *row, date string, f fig) bool {
		if f.Level == 0 && f.Date != date {
			return false // nothing left and nothing happened that day
		}
		r.Level += f.Level
		r.Records++
		if f.Event && f.Date == date {
			r.Events++
		}
		return true
	}
	daily.Add(tot, "n95-respirator", "420100", []fig{{"2020-02-01", 100, true}, {"2020-02-03", 50, false}}, add)
	daily.Add(tot, "n95-respirator", "330100", []fig{{"2020-02-02", 200, true}, {"2020-02-03", 0, false}}, add)
	daily.Add(tot, "goggles", "999999", []fig{{"2020-01-20", 7, true}}, add) // no province: nationwide only
	daily.Add(tot, "goggles", "330100", []fig(nil), add)
	got := tot.Rows()
	k := func(date, item, province string) daily.Key {
		return daily.Key{Date: date, Item: item, Province: province}
	}
	want := []row{
		{k("2020-02-01", "goggles", ""), 7, 1, 0},
		{k("2020-02-01", "n95-respirator", ""), 100, 1, 1}, {k("2020-02-01", "n95-respirator", "420000"), 100, 1, 1},
		{k("2020-02-02", "goggles", ""), 7, 1, 0},
		{k("2020-02-02", "n95-respirator", ""), 300, 2, 1}, {k("2020-02-02", "n95-respirator", "330000"), 200, 1, 1},
		{k("2020-02-02", "n95-respirator", "420000"), 100, 1, 0},
		{k("2020-02-03", "goggles", ""), 7, 1, 0},
		// 330100's figure of the 3rd is 0 but filed that day: it counts.
		{k("2020-02-03", "n95-respirator", ""), 50, 2, 0}, {k("2020-02-03", "n95-respirator", "330000"), 0, 1, 0},
		{k("2020-02-03", "n95-respirator", "420000"), 50, 1, 0},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("rows\n got %+v\nwant %+v", got, want)
	}

	// A figure that does not count makes no row.
	tot = daily.NewTotals(dates[1:], func(k daily.Key) row { return row{Key: k} })
	daily.Add(tot, "goggles", "330100", []fig{{"2020-01-01", 0, false}}, add)
	if rows := tot.Rows(); len(rows) != 0 {
		t.Fatalf("rows for figures that do not count: %+v", rows)
	}
}

func TestDaysParameter(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want int
		ok   bool
	}{{"", daily.DefaultDays, true}, {"1", 1, true}, {"31", 31, true}, {"0", 0, false}, {"32", 32, false}, {"-3", -3, false}, {"7.5", 0, false}, {"seven", 0, false}} {
		got := daily.ParseDays(tt.in)
		var v apperr.Validation
		daily.CheckDays(&v, got)
		err := v.Err()
		if got != tt.want || (err == nil) != tt.ok {
			t.Errorf("%q: %d, %v", tt.in, got, err)
		}
		if err != nil && apperr.As(err).Fields[0].Field != "days" {
			t.Errorf("%q: %+v", tt.in, apperr.As(err))
		}
	}
}
