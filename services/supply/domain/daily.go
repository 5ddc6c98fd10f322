package domain

import (
	"time"

	"github.com/aidflow/aidflow/shared/daily"
)

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

// Day is the date the figure is filed under (daily.Figure).
func (f DayFigure) Day() string { return f.Date }

// Replacing keeps "reported" from the day's earlier figure (daily.Figure).
func (f DayFigure) Replacing(earlier DayFigure) DayFigure {
	f.Reported = f.Reported || earlier.Reported
	return f
}

// RecordDay files c's current figures under now's day (daily.Record: a
// month of days). reported says the change was the manufacturer's report.
func (c *Capacity) RecordDay(now time.Time, reported bool) {
	f := DayFigure{Date: daily.Day(now), AvailableNow: c.AvailableNow, DailyRate: c.DailyRate, Reserved: c.Reserved(), Reported: reported}
	c.Days = daily.Record(c.Days, f, now)
}

// FigureOn is c's figure at the end of date: the last one filed on or
// before it (a report stands until replaced); false before the first.
func (c Capacity) FigureOn(date string) (DayFigure, bool) { return daily.On(c.Days, date) }

// DailyRow is supply on one day for one item, nationwide (Province "")
// and per province: the sum of every report's end-of-day figures, how
// many reports stood, and how many manufacturers reported that day.
type DailyRow struct {
	daily.Key
	AvailableNow int64
	DailyRate    int64
	Reserved     int64
	// Sources counts the reports standing that day; Reported those the
	// manufacturer sent or renewed that day.
	Sources  int
	Reported int
}

// Daily adds the reports' history up for each of dates (ascending), by
// item and province (nationwide rows first), in date order.
func Daily(caps []Capacity, dates []string) []DailyRow {
	t := daily.NewTotals(dates, func(k daily.Key) DailyRow { return DailyRow{Key: k} })
	for _, c := range caps {
		daily.Add(t, c.Item, c.Region, c.Days, addFigure)
	}
	return t.Rows()
}

// addFigure counts a report's figure standing on date.
func addFigure(r *DailyRow, date string, f DayFigure) bool {
	r.AvailableNow += f.AvailableNow
	r.DailyRate += f.DailyRate
	r.Reserved += f.Reserved
	r.Sources++
	if f.Reported && f.Date == date {
		r.Reported++
	}
	return true
}
