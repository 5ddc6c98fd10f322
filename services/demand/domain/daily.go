package domain

import (
	"iter"
	"time"

	"github.com/aidflow/aidflow/shared/daily"
)

// DayFigure is a need's state at the end of one day (its last change that
// day): its status, what it asks for, what no allocation holds yet, what
// was delivered so far and that day, and whether it was posted that day.
type DayFigure struct {
	Date     string
	Status   string
	Quantity int64
	// Unallocated is quantity − allocated, never below 0.
	Unallocated int64
	// Delivered is delivered_quantity at the end of the day; DeliveredToday
	// the part of it received that day.
	Delivered      int64
	DeliveredToday int64
	Posted         bool
}

// Day is the date the figure is filed under (daily.Figure).
func (f DayFigure) Day() string { return f.Date }

// Replacing keeps what the day's earlier figure said happened that day
// (daily.Figure): the posting and the units delivered before this change.
func (f DayFigure) Replacing(earlier DayFigure) DayFigure {
	f.Posted = f.Posted || earlier.Posted
	f.DeliveredToday += earlier.DeliveredToday
	return f
}

// Open reports whether the need is open demand at the end of the day:
// open, partially allocated, allocated (not yet delivered) or stale (still
// wanted, not matched until confirmed). Fulfilled and cancelled needs are
// closed.
func (f DayFigure) Open() bool { return IsOpen(f.Status) }

// IsOpen reports whether a need in this status is open demand (DayFigure.Open).
func IsOpen(status string) bool {
	switch status {
	case StatusOpen, StatusPartiallyAllocated, StatusAllocated, StatusStale:
		return true
	}
	return false
}

// figure is the need's state now, filed under now's day.
func (n Need) figure(now time.Time) DayFigure {
	return DayFigure{Date: daily.Day(now), Status: n.Status, Quantity: n.Quantity,
		Unallocated: max(n.Quantity-n.AllocatedQuantity, 0), Delivered: n.DeliveredQuantity}
}

// DayFigures returns the need's end-of-day figures, oldest first. A need
// stored before they were kept has none: its state as stored stands from
// its last change (UpdatedAt), posted that day if it was posted that day.
// What it received before that is not counted on any day, since the day
// it arrived is not known.
func (n Need) DayFigures() []DayFigure {
	if len(n.Days) > 0 || n.CreatedAt.IsZero() {
		return n.Days
	}
	at := n.UpdatedAt
	if at.IsZero() {
		at = n.CreatedAt
	}
	f := n.figure(at)
	f.Posted = f.Date == daily.Day(n.CreatedAt)
	return []DayFigure{f}
}

// recordDay files the need's state after a change made now (daily.Record:
// a month of days). posted says the change was the posting.
func (n *Need) recordDay(now time.Time, posted bool) {
	f := n.figure(now)
	f.Posted = posted
	f.DeliveredToday = f.Delivered
	if k := len(n.Days); k > 0 {
		f.DeliveredToday = f.Delivered - n.Days[k-1].Delivered
	}
	// Received units only grow; a smaller figure would be a matcher's
	// correction, which is not a delivery of negative units.
	f.DeliveredToday = max(f.DeliveredToday, 0)
	n.Days = daily.Record(n.Days, f, now)
}

// DailyRow is open demand on one day for one item, nationwide (Province
// "") or in one province: the needs open at the end of the day (stale ones
// among them, and counted apart), what they ask for and what no
// allocation holds yet, and the needs posted and units delivered that day.
type DailyRow struct {
	daily.Key
	// OpenNeeds counts the needs open at the end of the day (DayFigure.Open);
	// Stale those of them that were stale.
	OpenNeeds int
	Stale     int
	// Quantity and Unallocated sum the open needs' figures.
	Quantity    int64
	Unallocated int64
	// Delivered sums the units every need received that day; Posted counts
	// the needs posted that day.
	Delivered int64
	Posted    int
}

// Daily adds needs up per day, item and province, for dates (ascending).
// needs are read, never changed; an index passes pointers to the needs it
// holds, so none is copied. A need counts on a day when it was open at its
// end, or when it was posted or received units that day (a need fulfilled
// by that day's delivery, one posted and cancelled the same day). Rows
// come by date, item, province (nationwide first).
func Daily(dates []string, needs iter.Seq[*Need]) []DailyRow {
	t := daily.NewTotals(dates, func(k daily.Key) DailyRow { return DailyRow{Key: k} })
	for n := range needs {
		days := n.DayFigures()
		if k := len(days); k == 0 || len(dates) == 0 || !days[k-1].Open() && days[k-1].Date < dates[0] {
			continue // closed before the first date: most needs, once a crisis is served
		}
		daily.Add(t, n.Item, n.Region, days, addFigure)
	}
	return t.Rows()
}

// addFigure counts a need's figure standing on date, if it counts.
func addFigure(r *DailyRow, date string, f DayFigure) bool {
	today := f.Date == date
	if !f.Open() && (!today || f.DeliveredToday == 0 && !f.Posted) {
		return false // closed, and nothing to count that day
	}
	if f.Open() {
		r.OpenNeeds++
		r.Quantity += f.Quantity
		r.Unallocated += f.Unallocated
		if f.Status == StatusStale {
			r.Stale++
		}
	}
	if today {
		r.Delivered += f.DeliveredToday
		if f.Posted {
			r.Posted++
		}
	}
	return true
}
