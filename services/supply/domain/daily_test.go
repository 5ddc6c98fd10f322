package domain_test

import (
	"slices"
	"testing"
	"time"

	"github.com/aidflow/aidflow/services/supply/domain"
	"github.com/aidflow/aidflow/shared/daily"
)

func TestRecordDay(t *testing.T) {
	day1 := time.Date(2020, 2, 1, 2, 0, 0, 0, time.UTC) // 10:00 in China
	c := domain.Capacity{ManufacturerID: "m1", Item: "n95-respirator"}
	if err := c.Apply(domain.Report{Item: "n95-respirator", AvailableNow: 100, DailyRate: 10, Standard: "GB 19083"}, day1); err != nil {
		t.Fatal(err)
	}
	// 17:00 UTC is already the next day in China: a new figure, not reported.
	late := day1.Add(15 * time.Hour)
	c.AvailableNow = 90
	c.RecordDay(late, false)
	// A second change that day replaces the figure and keeps "reported".
	c.RecordDay(late.Add(time.Hour), true)
	c.AvailableNow = 80
	c.RecordDay(late.Add(2*time.Hour), false)
	want := []domain.DayFigure{
		{Date: "2020-02-01", AvailableNow: 100, DailyRate: 10, Reported: true},
		{Date: "2020-02-02", AvailableNow: 80, DailyRate: 10, Reported: true},
	}
	if !slices.Equal(c.Days, want) {
		t.Fatalf("days %+v, want %+v", c.Days, want)
	}
	// A figure stands until replaced; nothing before the first.
	for _, tt := range []struct {
		date string
		want int64
		ok   bool
	}{{"2020-01-31", 0, false}, {"2020-02-01", 100, true}, {"2020-02-02", 80, true}, {"2020-02-20", 80, true}} {
		f, ok := c.FigureOn(tt.date)
		if ok != tt.ok || f.AvailableNow != tt.want {
			t.Errorf("FigureOn(%s) = %+v %v", tt.date, f, ok)
		}
	}
	// Only daily.HistoryDays days are kept.
	c.RecordDay(day1.AddDate(0, 0, daily.HistoryDays), false)
	if len(c.Days) != 2 || c.Days[0].Date != "2020-02-02" {
		t.Fatalf("after a month: %+v", c.Days)
	}
}

func TestDaily(t *testing.T) {
	fig := func(date string, avail, rate int64, reported bool) domain.DayFigure {
		return domain.DayFigure{Date: date, AvailableNow: avail, DailyRate: rate, Reported: reported}
	}
	caps := []domain.Capacity{
		{Item: "n95-respirator", Region: "420100", Days: []domain.DayFigure{fig("2020-02-01", 100, 10, true), fig("2020-02-03", 50, 10, false)}},
		{Item: "n95-respirator", Region: "330100", Days: []domain.DayFigure{fig("2020-02-02", 200, 20, true)}},
	}
	got := domain.Daily(caps, []string{"2020-02-01", "2020-02-02", "2020-02-03"})
	type row struct {
		date, province           string
		avail, rate              int64
		sources, reportedThatDay int
	}
	want := []row{
		{"2020-02-01", "", 100, 10, 1, 1}, {"2020-02-01", "420000", 100, 10, 1, 1},
		{"2020-02-02", "", 300, 30, 2, 1}, {"2020-02-02", "330000", 200, 20, 1, 1}, {"2020-02-02", "420000", 100, 10, 1, 0},
		{"2020-02-03", "", 250, 30, 2, 0}, {"2020-02-03", "330000", 200, 20, 1, 0}, {"2020-02-03", "420000", 50, 10, 1, 0},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i, w := range want {
		g := got[i]
		if g.Date != w.date || g.Province != w.province || g.AvailableNow != w.avail || g.DailyRate != w.rate || g.Sources != w.sources || g.Reported != w.reportedThatDay {
			t.Errorf("row %d = %+v, want %+v", i, g, w)
		}
	}
}
