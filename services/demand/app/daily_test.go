package app_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aidflow/aidflow/services/demand/adapters/memory"
	"github.com/aidflow/aidflow/services/demand/app"
	"github.com/aidflow/aidflow/services/demand/domain"
	"github.com/aidflow/aidflow/shared/apperr"
	"github.com/aidflow/aidflow/shared/auth"
)

// rowText is a row as a test compares it.
func rowText(r domain.DailyRow) string {
	return fmt.Sprintf("%s %s %q open=%d stale=%d qty=%d unalloc=%d delivered=%d posted=%d",
		r.Date, r.Item, r.Province, r.OpenNeeds, r.Stale, r.Quantity, r.Unallocated, r.Delivered, r.Posted)
}

func rowTexts(rs []domain.DailyRow) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = rowText(r)
	}
	return out
}

// TestDailyNeeds drives needs through the use cases over three days (the
// clock is 09:00 in China at start) and reads open demand per day.
func TestDailyNeeds(t *testing.T) {
	a, _, c := newApp(t)
	ctx := context.Background()
	wuhan := post(t, a, c, hospitalA, input("n95-respirator", "100"))
	post(t, a, c, hospitalB, input("n95-respirator", "50"))
	cancelled := post(t, a, c, hospitalB, input("goggles", "5"))
	if _, err := a.CancelNeed(ctx, hospitalB.HospitalID, cancelled.ID); err != nil {
		t.Fatal(err)
	}
	c.add(24 * time.Hour) // 2026-03-03
	if _, err := a.ApplyAllocation(ctx, allocation(wuhan, "alloc_1", 1, 60, "proposed", 0, 0)); err != nil {
		t.Fatal(err)
	}
	c.add(24 * time.Hour) // 2026-03-04
	if _, err := a.ApplyAllocation(ctx, allocation(wuhan, "alloc_1", 2, 60, "delivered", 60, 60)); err != nil {
		t.Fatal(err)
	}
	rows, err := a.DailyNeeds(regulator, 3, "", "")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`2026-03-02 goggles "" open=0 stale=0 qty=0 unalloc=0 delivered=0 posted=1`,
		`2026-03-02 goggles "330000" open=0 stale=0 qty=0 unalloc=0 delivered=0 posted=1`,
		`2026-03-02 n95-respirator "" open=2 stale=0 qty=150 unalloc=150 delivered=0 posted=2`,
		`2026-03-02 n95-respirator "330000" open=1 stale=0 qty=50 unalloc=50 delivered=0 posted=1`,
		`2026-03-02 n95-respirator "420000" open=1 stale=0 qty=100 unalloc=100 delivered=0 posted=1`,
		`2026-03-03 n95-respirator "" open=2 stale=0 qty=150 unalloc=90 delivered=0 posted=0`,
		`2026-03-03 n95-respirator "330000" open=1 stale=0 qty=50 unalloc=50 delivered=0 posted=0`,
		`2026-03-03 n95-respirator "420000" open=1 stale=0 qty=100 unalloc=40 delivered=0 posted=0`,
		`2026-03-04 n95-respirator "" open=2 stale=0 qty=150 unalloc=90 delivered=60 posted=0`,
		`2026-03-04 n95-respirator "330000" open=1 stale=0 qty=50 unalloc=50 delivered=0 posted=0`,
		`2026-03-04 n95-respirator "420000" open=1 stale=0 qty=100 unalloc=40 delivered=60 posted=0`,
	}
	same(t, rowTexts(rows), want)

	// Filters: one item; one province (its rows only, no nationwide ones).
	rows, _ = a.DailyNeeds(regulator, 1, "n95-respirator", "")
	same(t, rowTexts(rows), want[8:])
	rows, _ = a.DailyNeeds(regulator, 3, "", "420000")
	same(t, rowTexts(rows), []string{want[4], want[7], want[10]})
	rows, _ = a.DailyNeeds(regulator, 3, "goggles", "420000")
	same(t, rowTexts(rows), nil)

	// The stale sweep counts too, as open and stale.
	c.add(7 * 24 * time.Hour)
	if n, err := a.MarkStale(ctx); err != nil || n != 2 {
		t.Fatalf("marked %d, %v", n, err)
	}
	rows, _ = a.DailyNeeds(regulator, 1, "", "")
	same(t, rowTexts(rows), []string{`2026-03-11 n95-respirator "" open=2 stale=2 qty=150 unalloc=90 delivered=0 posted=0`,
		`2026-03-11 n95-respirator "330000" open=1 stale=1 qty=50 unalloc=50 delivered=0 posted=0`,
		`2026-03-11 n95-respirator "420000" open=1 stale=1 qty=100 unalloc=40 delivered=0 posted=0`})

	// A restart reads the same figures back from the store.
	b := app.New(a.Needs, memory.NewStockReports())
	b.Now = c.now
	if err := b.Load(ctx); err != nil {
		t.Fatal(err)
	}
	again, _ := b.DailyNeeds(regulator, 31, "", "")
	all, _ := a.DailyNeeds(regulator, 31, "", "")
	same(t, rowTexts(again), rowTexts(all))
}

func same(t *testing.T, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("rows\n got %q\nwant %q", got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("row %d\n got %s\nwant %s", i, got[i], want[i])
		}
	}
}

func TestDailyNeedsRefusals(t *testing.T) {
	a, _, _ := newApp(t)
	for _, who := range []domain.Viewer{viewerOf(hospitalA), {OrgID: "org_m", Role: auth.Manufacturer}, {OrgID: "org_d", Role: auth.Donor}} {
		if _, err := a.DailyNeeds(who, 7, "", ""); apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("%s: %v", who.Role, err)
		}
	}
	for _, tt := range []struct {
		days           int
		item, province string
		field          string
	}{
		{0, "", "", "days"}, {32, "", "", "days"}, {7, "gold", "", "item"},
		{7, "", "420100", "province"}, {7, "", "42", "province"}, {7, "", "990000", "province"},
	} {
		_, err := a.DailyNeeds(regulator, tt.days, tt.item, tt.province)
		if e := apperr.As(err); e.Code != apperr.Unprocessable || len(e.Fields) != 1 || e.Fields[0].Field != tt.field {
			t.Errorf("%+v: %v", tt, err)
		}
	}
	if rows, err := a.DailyNeeds(regulator, 31, "goggles", "420000"); err != nil || len(rows) != 0 {
		t.Errorf("nothing posted: %v %v", rows, err)
	}
}
