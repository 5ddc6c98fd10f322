package domain_test

import (
	"slices"
	"testing"
	"time"

	"github.com/aidflow/aidflow/services/demand/domain"
	"github.com/aidflow/aidflow/shared/daily"
)

// TestDayFiguresFollowEveryChange walks one need through its life over
// three days (China time) and checks the figure each day ends with.
func TestDayFiguresFollowEveryChange(t *testing.T) {
	day1 := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC) // 09:00 on 2026-03-02 in China
	in := validInput()
	in.Quantity = "100"
	n, err := domain.NewNeed(in, poster, day1)
	if err != nil {
		t.Fatal(err)
	}
	step := func(at time.Time, a domain.Allocation) {
		t.Helper()
		if ok, err := n.ApplyAllocation(a, n.HospitalID, n.Item, at); err != nil || !ok {
			t.Fatalf("%v %v", ok, err)
		}
	}
	// Day 1: 60 proposed, then accepted: one figure, the posting kept.
	step(day1.Add(time.Hour), alloc("a1", 1, 60, "proposed", 0, 0, 0))
	step(day1.Add(2*time.Hour), alloc("a1", 2, 60, "accepted", 0, 0, 0))
	// Day 2 (16:00 UTC is midnight in China): 40 more proposed, 60 shipped,
	// 30 received, then 25 more.
	day2 := day1.Add(15 * time.Hour)
	step(day2, alloc("a2", 1, 40, "proposed", 0, 0, 0))
	step(day2.Add(time.Minute), alloc("a1", 3, 60, "dispatched", 60, 0, 0))
	step(day2.Add(2*time.Minute), alloc("a1", 4, 60, "dispatched", 60, 30, 0))
	step(day2.Add(3*time.Minute), alloc("a1", 5, 60, "delivered", 60, 55, 5))
	// Day 4: nothing on day 3 (a figure stands until replaced); the rest
	// arrives and fulfils it.
	day4 := day1.AddDate(0, 0, 3).Add(3 * time.Hour)
	step(day4, alloc("a2", 2, 40, "delivered", 40, 40, 0))
	step(day4.Add(time.Minute), alloc("a3", 1, 5, "delivered", 5, 5, 0))
	want := []domain.DayFigure{
		{Date: "2026-03-02", Status: domain.StatusPartiallyAllocated, Quantity: 100, Unallocated: 40, Posted: true},
		// 5 damaged: allocated 95, so 5 unallocated; 55 delivered that day.
		{Date: "2026-03-03", Status: domain.StatusPartiallyAllocated, Quantity: 100, Unallocated: 5, Delivered: 55, DeliveredToday: 55},
		{Date: "2026-03-05", Status: domain.StatusFulfilled, Quantity: 100, Unallocated: 0, Delivered: 100, DeliveredToday: 45},
	}
	if !slices.Equal(n.Days, want) {
		t.Fatalf("days\n got %+v\nwant %+v", n.Days, want)
	}
	// A replayed snapshot changes nothing, the figures included.
	if ok, _ := n.ApplyAllocation(alloc("a3", 1, 5, "delivered", 5, 5, 0), n.HospitalID, n.Item, day4.Add(time.Hour)); ok || len(n.Days) != 3 {
		t.Fatalf("replay: %v %+v", ok, n.Days)
	}
}

func TestDayFiguresOfStatusChanges(t *testing.T) {
	n := newNeed(t) // posted at now, 2026-03-02 in China
	later := now.Add(8 * 24 * time.Hour)
	if !n.MarkStale(later, week) {
		t.Fatal("not stale")
	}
	if err := n.Confirm(later.Add(24 * time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := n.Cancel(later.Add(48 * time.Hour)); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range n.Days {
		got = append(got, f.Date+" "+f.Status)
	}
	if want := []string{"2026-03-02 open", "2026-03-10 stale", "2026-03-11 open", "2026-03-12 cancelled"}; !slices.Equal(got, want) {
		t.Fatalf("days %v, want %v", got, want)
	}
	for _, f := range n.Days {
		if f.Open() != (f.Status != domain.StatusCancelled) {
			t.Errorf("%s open = %v", f.Status, f.Open())
		}
	}
	for status, open := range map[string]bool{domain.StatusOpen: true, domain.StatusPartiallyAllocated: true, domain.StatusAllocated: true,
		domain.StatusStale: true, domain.StatusFulfilled: false, domain.StatusCancelled: false} {
		if domain.IsOpen(status) != open {
			t.Errorf("IsOpen(%s) = %v", status, !open)
		}
	}
}

// TestDayFiguresOfAnOlderNeed: a need stored before figures were kept
// stands as stored from its last change, and keeps that figure when it
// next changes.
func TestDayFiguresOfAnOlderNeed(t *testing.T) {
	created := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
	updated := created.Add(48 * time.Hour)
	old := domain.Need{ID: "need_old", HospitalID: "org_h", Item: "goggles", Region: "420100", Quantity: 10, AllocatedQuantity: 4,
		DeliveredQuantity: 2, Status: domain.StatusPartiallyAllocated, CreatedAt: created, UpdatedAt: updated,
		Allocations: []domain.Allocation{alloc("a1", 3, 4, "dispatched", 4, 2, 0)}}
	first := domain.DayFigure{Date: "2026-03-04", Status: domain.StatusPartiallyAllocated, Quantity: 10, Unallocated: 6, Delivered: 2}
	if got := old.DayFigures(); !slices.Equal(got, []domain.DayFigure{first}) {
		t.Fatalf("figures %+v", got)
	}
	same := old
	same.UpdatedAt = created
	if got := same.DayFigures(); len(got) != 1 || got[0].Date != "2026-03-02" || !got[0].Posted {
		t.Errorf("never changed since posted: %+v", got)
	}
	if err := old.Cancel(updated.AddDate(0, 0, 3)); err != nil {
		t.Fatal(err)
	}
	want := []domain.DayFigure{first, {Date: "2026-03-07", Status: domain.StatusCancelled, Quantity: 10, Unallocated: 6, Delivered: 2}}
	if !slices.Equal(old.Days, want) {
		t.Fatalf("after a change\n got %+v\nwant %+v", old.Days, want)
	}
}

func TestDaily(t *testing.T) {
	fig := func(date, status string, qty, unalloc, deliveredToday int64, posted bool) domain.DayFigure {
		return domain.DayFigure{Date: date, Status: status, Quantity: qty, Unallocated: unalloc, DeliveredToday: deliveredToday, Posted: posted}
	}
	needs := []domain.Need{
		// Wuhan: posted on the 1st, partly allocated on the 2nd, fulfilled on the 3rd.
		{Item: "n95-respirator", Region: "420100", Days: []domain.DayFigure{
			fig("2026-03-01", "open", 100, 100, 0, true), fig("2026-03-02", "partially_allocated", 100, 40, 10, false),
			fig("2026-03-03", "fulfilled", 100, 0, 90, false)}},
		// Hangzhou: stale since the 2nd.
		{Item: "n95-respirator", Region: "330100", Days: []domain.DayFigure{
			fig("2026-02-20", "open", 50, 50, 0, true), fig("2026-03-02", "stale", 50, 50, 0, false)}},
		// Posted and cancelled on the 3rd: counts as posted that day only.
		{Item: "n95-respirator", Region: "330100", Days: []domain.DayFigure{fig("2026-03-03", "cancelled", 7, 7, 0, true)}},
		// Cancelled before the window with nothing that day: not counted.
		{Item: "goggles", Region: "330100", Days: []domain.DayFigure{fig("2026-02-01", "cancelled", 5, 5, 0, false)}},
		// Stored before figures were kept, never changed: open since the 2nd.
		{Item: "goggles", Region: "110000", Quantity: 9, Status: "open", CreatedAt: time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC),
			UpdatedAt: time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)},
	}
	got := domain.Daily([]string{"2026-03-01", "2026-03-02", "2026-03-03"}, func(yield func(*domain.Need) bool) {
		for i := range needs {
			if !yield(&needs[i]) {
				return
			}
		}
	})
	type row struct {
		date, item, province    string
		open, stale             int
		qty, unalloc, delivered int64
		posted                  int
	}
	want := []row{
		{"2026-03-01", "n95-respirator", "", 2, 0, 150, 150, 0, 1},
		{"2026-03-01", "n95-respirator", "330000", 1, 0, 50, 50, 0, 0},
		{"2026-03-01", "n95-respirator", "420000", 1, 0, 100, 100, 0, 1},
		{"2026-03-02", "goggles", "", 1, 0, 9, 9, 0, 1},
		{"2026-03-02", "goggles", "110000", 1, 0, 9, 9, 0, 1},
		{"2026-03-02", "n95-respirator", "", 2, 1, 150, 90, 10, 0},
		{"2026-03-02", "n95-respirator", "330000", 1, 1, 50, 50, 0, 0},
		{"2026-03-02", "n95-respirator", "420000", 1, 0, 100, 40, 10, 0},
		{"2026-03-03", "goggles", "", 1, 0, 9, 9, 0, 0},
		{"2026-03-03", "goggles", "110000", 1, 0, 9, 9, 0, 0},
		{"2026-03-03", "n95-respirator", "", 1, 1, 50, 50, 90, 1},
		{"2026-03-03", "n95-respirator", "330000", 1, 1, 50, 50, 0, 1},
		{"2026-03-03", "n95-respirator", "420000", 0, 0, 0, 0, 90, 0},
	}
	var have []row
	for _, g := range got {
		have = append(have, row{g.Date, g.Item, g.Province, g.OpenNeeds, g.Stale, g.Quantity, g.Unallocated, g.Delivered, g.Posted})
	}
	if !slices.Equal(have, want) {
		t.Fatalf("rows\n got %+v\nwant %+v", have, want)
	}
	if d := daily.Dates(now, 1); d[0] != domain.Today(now) {
		t.Errorf("figures and needed_by disagree on today: %s, %s", d[0], domain.Today(now))
	}
}
