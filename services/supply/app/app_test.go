package app_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/supply/adapters/memory"
	"github.com/aidflow/aidflow/services/supply/app"
	"github.com/aidflow/aidflow/services/supply/domain"
	"github.com/aidflow/aidflow/shared/apperr"
	"github.com/aidflow/aidflow/shared/auth"
)

var (
	mfr   = auth.Claims{OrgID: "org_m", Role: auth.Manufacturer, Region: "320500"}
	other = auth.Claims{OrgID: "org_n", Role: auth.Manufacturer, Region: "420100"}
	reg   = auth.Claims{OrgID: "org_r", Role: auth.Regulator, Region: "110000"}
)

func ptr[T any](v T) *T { return &v }

func newApp() (*app.App, *memory.Capacities) {
	repo := memory.NewCapacities()
	a := app.New(repo, nil)
	a.Now = func() time.Time { return time.Date(2020, 2, 3, 8, 0, 0, 0, time.UTC) }
	return a, repo
}

func input(item string, available int64) domain.ReportInput {
	return domain.ReportInput{Item: item, AvailableNow: &available, DailyRate: ptr[int64](100), LeadTimeDays: ptr(1)}
}

func TestReportCapacity(t *testing.T) {
	a, repo := newApp()
	ctx := context.Background()
	in := input("n95-respirator", 5000)
	in.UnitPrice = "4.20"
	c, err := a.ReportCapacity(ctx, mfr, "", in)
	if err != nil {
		t.Fatal(err)
	}
	if c.ID != "cap_org_m_n95-respirator" || c.ManufacturerID != "org_m" || c.Region != "320500" || c.Revision != 1 ||
		c.Standard != "GB 19083" || *c.UnitPriceFen != 420 || c.Remaining() != 5000 {
		t.Fatalf("report %+v", c)
	}
	c, err = a.ReportCapacity(ctx, mfr, "", input("n95-respirator", 4000))
	if err != nil || c.Revision != 2 || c.AvailableNow != 4000 {
		t.Fatalf("second report %+v %v", c, err)
	}
	evs := repo.Events()
	if len(evs) != 2 {
		t.Fatalf("%d events", len(evs))
	}
	var d events.CapacityReported
	if err := evs[1].Decode(&d); err != nil {
		t.Fatal(err)
	}
	if evs[1].Type != events.CapacityReportedType || evs[1].OrgID != "org_m" || evs[1].Item != "n95-respirator" || evs[1].Source != "supply" ||
		d.Revision != 2 || d.AvailableNow != 4000 || d.UnitPrice != 0 || d.Region != "320500" {
		t.Errorf("event %+v %+v", evs[1], d)
	}
	if _, err := a.ReportCapacity(ctx, mfr, "", input("n95", 1)); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("unknown item: %v", err)
	}
	if _, err := a.ReportCapacity(ctx, mfr, "", input("n95-respirator", -1)); apperr.CodeOf(err) != apperr.Unprocessable {
		t.Errorf("negative: %v", err)
	}
	if len(repo.Events()) != 2 {
		t.Error("a refused report must publish nothing")
	}
}

// A report sent again with its Idempotency-Key after the process died
// between the write and the idempotency record is answered, not applied a
// second time; another key is a new report even with the same numbers.
func TestReportCapacityWithTheSameKeyReportsOnce(t *testing.T) {
	a, repo := newApp()
	ctx := context.Background()
	first, err := a.ReportCapacity(ctx, mfr, "key-1", input("goggles", 500))
	if err != nil {
		t.Fatal(err)
	}
	restarted := app.New(repo, nil)
	restarted.Now = a.Now
	again, err := restarted.ReportCapacity(ctx, mfr, "key-1", input("goggles", 500))
	if err != nil || again.Revision != first.Revision {
		t.Fatalf("retry = revision %d, %v; want the first report's %d", again.Revision, err, first.Revision)
	}
	if n := len(repo.Events()); n != 1 {
		t.Fatalf("%d events stored, want one capacity_reported", n)
	}
	second, err := a.ReportCapacity(ctx, mfr, "key-2", input("goggles", 500))
	if err != nil || second.Revision != 2 || len(repo.Events()) != 2 {
		t.Fatalf("another key = revision %d, %v, %d events; want revision 2 and its event", second.Revision, err, len(repo.Events()))
	}
	theirs, err := a.ReportCapacity(ctx, other, "key-1", input("goggles", 500))
	if err != nil || theirs.Revision != 1 || theirs.ManufacturerID != "org_n" {
		t.Fatalf("another manufacturer's key-1 = %+v, %v; want its own first report", theirs, err)
	}
	// Only the latest keys are kept: the oldest is forgotten.
	for i := range domain.MaxReportKeys {
		if _, err := a.ReportCapacity(ctx, mfr, fmt.Sprintf("key-%d", i+3), input("goggles", 500)); err != nil {
			t.Fatal(err)
		}
	}
	c, err := repo.Get(ctx, first.ID)
	if err != nil || len(c.ReportKeys) != domain.MaxReportKeys || c.Reported("key-1") || !c.Reported(fmt.Sprintf("key-%d", domain.MaxReportKeys+2)) {
		t.Errorf("keys kept %v, %v", c.ReportKeys, err)
	}
}

func TestListCapacity(t *testing.T) {
	a, _ := newApp()
	ctx := context.Background()
	for _, by := range []auth.Claims{mfr, other} {
		for _, item := range []string{"n95-respirator", "surgical-mask"} {
			if _, err := a.ReportCapacity(ctx, by, "", input(item, 10)); err != nil {
				t.Fatal(err)
			}
		}
	}
	tests := []struct {
		by    auth.Claims
		item  string
		count int
		code  apperr.Code
	}{
		{mfr, "", 2, ""}, {mfr, "surgical-mask", 1, ""}, {reg, "", 4, ""}, {reg, "n95-respirator", 2, ""},
		{reg, "n95", 0, apperr.Unprocessable},
		{auth.Claims{OrgID: "org_h", Role: auth.Hospital}, "", 0, apperr.Forbidden},
		{auth.Claims{OrgID: "org_d", Role: auth.Donor}, "", 0, apperr.Forbidden},
	}
	for _, tt := range tests {
		got, err := a.ListCapacity(ctx, tt.by, tt.item, "", 50)
		if apperr.CodeOf(err) != tt.code || len(got) != tt.count {
			t.Errorf("%s %s: %d reports, %v", tt.by.OrgID, tt.item, len(got), err)
		}
		for _, c := range got {
			if tt.by.Role == auth.Manufacturer && c.ManufacturerID != tt.by.OrgID {
				t.Errorf("%s sees %s", tt.by.OrgID, c.ID)
			}
		}
	}
}

func TestApplyAllocation(t *testing.T) {
	a, repo := newApp()
	ctx := context.Background()
	c, err := a.ReportCapacity(ctx, mfr, "", input("n95-respirator", 1000))
	if err != nil {
		t.Fatal(err)
	}
	al := events.Allocation{AllocationID: "alloc_1", Version: 1, Item: c.Item, Quantity: 400, Status: "accepted",
		SourceKind: "capacity", SourceID: c.ID, SourceOrgID: "org_m"}
	if err := a.ApplyAllocation(ctx, al); err != nil {
		t.Fatal(err)
	}
	donation := al
	donation.AllocationID, donation.SourceKind, donation.SourceID = "alloc_2", "donation", "don_1/0"
	if err := a.ApplyAllocation(ctx, donation); err != nil {
		t.Fatalf("a donation's allocation is not supply's and is skipped: %v", err)
	}
	got, _ := repo.Get(ctx, c.ID)
	if got.Reserved() != 400 || got.Remaining() != 600 || len(got.Allocations) != 1 {
		t.Fatalf("after accept: %+v", got)
	}
	// The manufacturer may not report less than is promised.
	if _, err := a.ReportCapacity(ctx, mfr, "", input("n95-respirator", 300)); apperr.CodeOf(err) != apperr.Conflict {
		t.Fatalf("lowering below reserved: %v", err)
	}
	al.Version, al.Status, al.ShippedQuantity = 2, "dispatched", 400
	for range 2 { // the second is a redelivery
		if err := a.ApplyAllocation(ctx, al); err != nil {
			t.Fatal(err)
		}
	}
	got, _ = repo.Get(ctx, c.ID)
	if got.AvailableNow != 600 || got.Reserved() != 0 || got.Remaining() != 600 {
		t.Errorf("after dispatch: %+v", got)
	}
	unknown := al
	unknown.SourceID = "cap_org_m_surgical-mask"
	if err := a.ApplyAllocation(ctx, unknown); !errors.Is(err, domain.ErrCapacityNotFound) {
		t.Errorf("unknown source: %v", err)
	}
	if len(repo.Events()) != 1 {
		t.Errorf("allocations publish nothing; got %d events", len(repo.Events()))
	}
}
