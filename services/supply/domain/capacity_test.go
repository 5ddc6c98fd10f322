package domain_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/supply/domain"
	"github.com/aidflow/aidflow/shared/apperr"
)

var now = time.Date(2020, 2, 3, 8, 0, 0, 0, time.UTC)

func ptr[T any](v T) *T { return &v }

func validInput() domain.ReportInput {
	return domain.ReportInput{Item: "n95-respirator", AvailableNow: ptr[int64](10000), DailyRate: ptr[int64](2000), LeadTimeDays: ptr(2)}
}

func fields(err error) []string {
	var out []string
	for _, f := range apperr.As(err).Fields {
		out = append(out, f.Field)
	}
	return out
}

func TestParseReport(t *testing.T) {
	tests := []struct {
		name   string
		change func(*domain.ReportInput)
		code   apperr.Code
		fields []string
		check  func(*testing.T, domain.Report)
	}{
		{name: "defaults the standard to the item's first", change: func(*domain.ReportInput) {},
			check: func(t *testing.T, r domain.Report) {
				if r.Standard != "GB 19083" || r.UnitPriceFen != nil || r.AvailableNow != 10000 || r.DailyRate != 2000 || r.LeadTimeDays != 2 {
					t.Errorf("report = %+v", r)
				}
			}},
		{name: "another of the item's standards", change: func(in *domain.ReportInput) { in.Standard = "GB 2626" },
			check: func(t *testing.T, r domain.Report) {
				if r.Standard != "GB 2626" {
					t.Errorf("standard = %q", r.Standard)
				}
			}},
		{name: "price in yuan kept in fen", change: func(in *domain.ReportInput) { in.UnitPrice = "3.5" },
			check: func(t *testing.T, r domain.Report) {
				if r.UnitPriceFen == nil || *r.UnitPriceFen != 350 {
					t.Errorf("price = %v", r.UnitPriceFen)
				}
			}},
		{name: "zeros and the limits are accepted", change: func(in *domain.ReportInput) {
			in.AvailableNow, in.DailyRate, in.LeadTimeDays, in.UnitPrice = ptr[int64](1_000_000_000), ptr[int64](0), ptr(365), "0"
		}},
		{name: "unknown item", change: func(in *domain.ReportInput) { in.Item = "n95" }, code: apperr.NotFound},
		{name: "missing numbers", change: func(in *domain.ReportInput) { in.AvailableNow, in.DailyRate, in.LeadTimeDays = nil, nil, nil },
			code: apperr.Unprocessable, fields: []string{"available_now", "daily_rate", "lead_time_days"}},
		{name: "negative numbers", change: func(in *domain.ReportInput) {
			in.AvailableNow, in.DailyRate, in.LeadTimeDays = ptr[int64](-1), ptr[int64](-5), ptr(-1)
		}, code: apperr.Unprocessable, fields: []string{"available_now", "daily_rate", "lead_time_days"}},
		{name: "beyond the maxima", change: func(in *domain.ReportInput) {
			in.AvailableNow, in.DailyRate, in.LeadTimeDays = ptr[int64](1_000_000_001), ptr[int64](100_000_001), ptr(366)
		}, code: apperr.Unprocessable, fields: []string{"available_now", "daily_rate", "lead_time_days"}},
		{name: "maxima follow the item", change: func(in *domain.ReportInput) {
			in.Item, in.Standard, in.AvailableNow = "ventilator", "", ptr[int64](500_001)
		}, code: apperr.Unprocessable, fields: []string{"available_now"}},
		{name: "standard of another item", change: func(in *domain.ReportInput) { in.Standard = "YY 0469" },
			code: apperr.Unprocessable, fields: []string{"standard"}},
		{name: "bad price", change: func(in *domain.ReportInput) { in.UnitPrice = "1.005" },
			code: apperr.Unprocessable, fields: []string{"unit_price"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := validInput()
			tt.change(&in)
			r, err := domain.ParseReport(in)
			if got := apperr.CodeOf(err); got != tt.code {
				t.Fatalf("code = %q, want %q (%v)", got, tt.code, err)
			}
			if tt.fields != nil && !slices.Equal(fields(err), tt.fields) {
				t.Errorf("fields = %v, want %v", fields(err), tt.fields)
			}
			if tt.check != nil {
				tt.check(t, r)
			}
		})
	}
}

func TestParseYuan(t *testing.T) {
	tests := []struct {
		in  string
		fen int64
		ok  bool
	}{
		{"0", 0, true}, {"12", 1200, true}, {"12.5", 1250, true}, {"12.50", 1250, true}, {"0.01", 1, true},
		{"10000000", 1_000_000_000, true}, {"10000000.01", 0, false},
		{"-1", 0, false}, {"1.005", 0, false}, {"1e2", 0, false}, {`"12.50"`, 0, false}, {"true", 0, false},
		{"012", 0, false}, {".5", 0, false}, {"99999999999999999999", 0, false},
	}
	for _, tt := range tests {
		fen, msg := domain.ParseYuan(tt.in)
		if (msg == "") != tt.ok || (tt.ok && fen != tt.fen) {
			t.Errorf("ParseYuan(%s) = %d, %q; want %d, ok=%v", tt.in, fen, msg, tt.fen, tt.ok)
		}
	}
	for _, fen := range []int64{0, 1, 10, 99, 100, 1250, 123456} {
		got, msg := domain.ParseYuan(domain.FormatYuan(fen))
		if msg != "" || got != fen {
			t.Errorf("round trip of %d fen through %q = %d, %q", fen, domain.FormatYuan(fen), got, msg)
		}
	}
}

func reported(t *testing.T, available int64) domain.Capacity {
	t.Helper()
	c := domain.Capacity{ID: domain.CapacityID("org_m", "n95-respirator"), ManufacturerID: "org_m", Region: "330100"}
	in := validInput()
	in.AvailableNow = &available
	r, err := domain.ParseReport(in)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Apply(r, now); err != nil {
		t.Fatal(err)
	}
	return c
}

func alloc(id string, version int64, status string, qty, shipped int64) events.Allocation {
	return events.Allocation{AllocationID: id, Version: version, Status: status, Quantity: qty, ShippedQuantity: shipped,
		Item: "n95-respirator", SourceKind: "capacity", SourceID: domain.CapacityID("org_m", "n95-respirator"), SourceOrgID: "org_m"}
}

func TestApplyReport(t *testing.T) {
	c := reported(t, 1000)
	if c.Revision != 1 || c.ID != "cap_org_m_n95-respirator" {
		t.Fatalf("first report: %+v", c)
	}
	if _, err := c.ApplyAllocation(alloc("a1", 1, domain.StatusProposed, 600, 0), now); err != nil {
		t.Fatal(err)
	}
	r, _ := domain.ParseReport(domain.ReportInput{Item: "n95-respirator", AvailableNow: ptr[int64](599), DailyRate: ptr[int64](0), LeadTimeDays: ptr(0)})
	err := c.Apply(r, now)
	if apperr.CodeOf(err) != apperr.Conflict {
		t.Fatalf("lowering below reserved: %v, want a conflict", err)
	}
	if c.AvailableNow != 1000 || c.Revision != 1 {
		t.Errorf("a refused report changed the capacity: %+v", c)
	}
	r.AvailableNow = 600
	if err := c.Apply(r, now.Add(time.Hour)); err != nil {
		t.Fatalf("report equal to reserved: %v", err)
	}
	if c.Revision != 2 || c.Remaining() != 0 || c.Reserved() != 600 || !c.ReportedAt.Equal(now.Add(time.Hour)) {
		t.Errorf("after the second report: %+v remaining %d", c, c.Remaining())
	}
}

func TestApplyAllocation(t *testing.T) {
	type step struct {
		a                  events.Allocation
		changed            bool
		available, reserve int64
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{name: "proposed then accepted reserves once", steps: []step{
			{alloc("a1", 1, "proposed", 300, 0), true, 1000, 300},
			{alloc("a1", 2, "accepted", 300, 0), true, 1000, 300},
		}},
		{name: "dispatch lowers available and reserved together", steps: []step{
			{alloc("a1", 1, "proposed", 300, 0), true, 1000, 300},
			{alloc("a1", 2, "accepted", 300, 0), true, 1000, 300},
			{alloc("a1", 3, "dispatched", 300, 300), true, 700, 0},
			{alloc("a1", 4, "delivered", 300, 300), true, 700, 0},
		}},
		{name: "a replayed dispatch lowers stock once", steps: []step{
			{alloc("a1", 3, "dispatched", 300, 300), true, 700, 0},
			{alloc("a1", 3, "dispatched", 300, 300), false, 700, 0},
			{alloc("a1", 2, "accepted", 300, 0), false, 700, 0},
		}},
		{name: "a partial dispatch frees the rest", steps: []step{
			{alloc("a1", 1, "accepted", 300, 0), true, 1000, 300},
			{alloc("a1", 2, "dispatched", 300, 120), true, 880, 0},
			{alloc("a1", 3, "dispatched", 300, 200), true, 800, 0},
		}},
		{name: "declined, expired and cancelled free their units", steps: []step{
			{alloc("a1", 1, "proposed", 300, 0), true, 1000, 300},
			{alloc("a2", 1, "proposed", 200, 0), true, 1000, 500},
			{alloc("a3", 1, "accepted", 100, 0), true, 1000, 600},
			{alloc("a1", 2, "declined", 300, 0), true, 1000, 300},
			{alloc("a2", 2, "expired", 200, 0), true, 1000, 100},
			{alloc("a3", 2, "cancelled", 100, 0), true, 1000, 0},
		}},
		{name: "shipping more than available counts zero", steps: []step{
			{alloc("a1", 1, "dispatched", 1500, 1500), true, 0, 0},
		}},
		{name: "an older version is ignored", steps: []step{
			{alloc("a1", 5, "declined", 300, 0), true, 1000, 0},
			{alloc("a1", 4, "accepted", 300, 0), false, 1000, 0},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := reported(t, 1000)
			for i, s := range tt.steps {
				got, err := c.ApplyAllocation(s.a, now)
				if err != nil {
					t.Fatalf("step %d: %v", i, err)
				}
				if changed := got.Changed; changed != s.changed || got.Breach != 0 || c.AvailableNow != s.available || c.Reserved() != s.reserve {
					t.Fatalf("step %d: changed %v available %d reserved %d; want %v %d %d", i, changed, c.AvailableNow, c.Reserved(), s.changed, s.available, s.reserve)
				}
				if c.Remaining() != max(c.AvailableNow-c.Reserved(), 0) {
					t.Fatalf("step %d: remaining %d", i, c.Remaining())
				}
			}
		})
	}
}

func TestApplyAllocationRefusesAnotherSource(t *testing.T) {
	c := reported(t, 1000)
	a := alloc("a1", 1, "dispatched", 300, 300)
	a.SourceOrgID = "org_other"
	if _, err := c.ApplyAllocation(a, now); !errors.Is(err, domain.ErrAllocationMismatch) {
		t.Fatalf("err = %v", err)
	}
	a = alloc("a1", 1, "dispatched", 300, 300)
	a.Item = "surgical-mask"
	if _, err := c.ApplyAllocation(a, now); !errors.Is(err, domain.ErrAllocationMismatch) {
		t.Fatalf("err = %v", err)
	}
	if c.AvailableNow != 1000 || len(c.Allocations) != 0 {
		t.Errorf("refused allocation changed the capacity: %+v", c)
	}
}

func TestOversubscribedRemainingIsZero(t *testing.T) {
	c := reported(t, 100)
	if _, err := c.ApplyAllocation(alloc("a1", 1, "proposed", 150, 0), now); err != nil {
		t.Fatal(err)
	}
	if c.Remaining() != 0 || !c.Oversubscribed() || c.OverReserved() != 50 {
		t.Errorf("remaining %d oversubscribed %v over %d", c.Remaining(), c.Oversubscribed(), c.OverReserved())
	}
}

// The guard: a snapshot reserving more than remains is recorded in full
// (reserved agrees with the matcher), its excess is kept and reported once,
// remaining stays at 0 and no report may go below reserved.
func TestReservationGuard(t *testing.T) {
	type step struct {
		a                 events.Allocation
		breach, over      int64
		reserved, overall int64
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{name: "the last units, then one too many", steps: []step{
			{alloc("a1", 1, "proposed", 60, 0), 0, 0, 60, 0},
			{alloc("a2", 1, "proposed", 40, 0), 0, 0, 100, 0},
			{alloc("a3", 1, "proposed", 30, 0), 30, 30, 130, 30},
		}},
		{name: "part of an allocation fits", steps: []step{
			{alloc("a1", 1, "accepted", 80, 0), 0, 0, 80, 0},
			{alloc("a2", 1, "proposed", 50, 0), 30, 30, 130, 30},
			// accepting it is no new breach; it is still over
			{alloc("a2", 2, "accepted", 50, 0), 0, 30, 130, 30},
			// a decline of the other frees room: the overage is gone
			{alloc("a1", 2, "declined", 80, 0), 0, 0, 50, 0},
		}},
		{name: "a grown snapshot counts only its own growth", steps: []step{
			{alloc("a1", 1, "proposed", 90, 0), 0, 0, 90, 0},
			{alloc("a1", 2, "accepted", 120, 0), 20, 20, 120, 20},
			{alloc("a1", 3, "accepted", 140, 0), 20, 40, 140, 40},
		}},
		{name: "dispatch and decline are never a breach", steps: []step{
			{alloc("a1", 1, "proposed", 150, 0), 50, 50, 150, 50},
			{alloc("a1", 2, "dispatched", 150, 150), 0, 0, 0, 0},
			{alloc("a2", 1, "declined", 500, 0), 0, 0, 0, 0},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := reported(t, 100)
			for i, s := range tt.steps {
				got, err := c.ApplyAllocation(s.a, now)
				if err != nil {
					t.Fatal(err)
				}
				if got.Breach != s.breach || c.Allocations[s.a.AllocationID].Over != s.over || c.Reserved() != s.reserved || c.OverReserved() != s.overall {
					t.Fatalf("step %d: breach %d over %d reserved %d overall %d; want %d %d %d %d", i, got.Breach,
						c.Allocations[s.a.AllocationID].Over, c.Reserved(), c.OverReserved(), s.breach, s.over, s.reserved, s.overall)
				}
				if c.Remaining() < 0 || c.Remaining() != max(c.AvailableNow-c.Reserved(), 0) {
					t.Fatalf("step %d: remaining %d", i, c.Remaining())
				}
				if reserved := c.Reserved(); reserved > 0 {
					r, _ := domain.ParseReport(domain.ReportInput{Item: "n95-respirator", AvailableNow: ptr(reserved - 1), DailyRate: ptr[int64](0), LeadTimeDays: ptr(0)})
					probe := c.Clone()
					if err := probe.Apply(r, now); apperr.CodeOf(err) != apperr.Conflict {
						t.Fatalf("step %d: a report below reserved: %v", i, err)
					}
				}
			}
		})
	}
}

func TestCompactKeepsReserved(t *testing.T) {
	c := reported(t, 1000)
	for _, a := range []events.Allocation{alloc("a1", 1, "proposed", 100, 0), alloc("a2", 1, "declined", 50, 0), alloc("a3", 2, "delivered", 70, 70)} {
		if _, err := c.ApplyAllocation(a, now); err != nil {
			t.Fatal(err)
		}
	}
	k := c.Compact()
	if k.Reserved() != c.Reserved() || len(k.Allocations) != 1 || len(c.Allocations) != 3 {
		t.Errorf("compact %+v of %+v", k, c)
	}
}

func TestCapacityEvent(t *testing.T) {
	c := reported(t, 1000)
	e := c.Event("supply")
	var d events.CapacityReported
	if err := e.Decode(&d); err != nil {
		t.Fatal(err)
	}
	if e.Type != events.CapacityReportedType || e.Subject != c.ID || e.OrgID != "org_m" || e.Item != "n95-respirator" ||
		d.CapacityID != c.ID || d.AvailableNow != 1000 || d.Standard != "GB 19083" || d.Revision != 1 || d.Region != "330100" {
		t.Errorf("event %+v data %+v", e, d)
	}
}
