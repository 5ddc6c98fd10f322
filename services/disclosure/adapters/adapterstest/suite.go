// Package adapterstest is the contract every disclosure store meets, run
// against the in-memory fake and MongoDB (embedded FerretDB) alike.
package adapterstest

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/aidflow/aidflow/services/disclosure/domain"
	"github.com/aidflow/aidflow/shared/apperr"
)

// RunSuite runs the store contract; newStore makes a fresh, empty store.
func RunSuite(t *testing.T, newStore func(t *testing.T) domain.Store) {
	t.Run("round trip", func(t *testing.T) { testRoundTrip(t, newStore(t)) })
	t.Run("replace", func(t *testing.T) { testReplace(t, newStore(t)) })
	t.Run("snapshots", func(t *testing.T) { testSnapshots(t, newStore(t)) })
	t.Run("corrections", func(t *testing.T) { testCorrections(t, newStore(t)) })
}

var t0 = time.Date(2026, 3, 1, 8, 0, 0, 123_000_000, time.UTC)

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func testRoundTrip(t *testing.T, s domain.Store) {
	ctx := context.Background()
	o := domain.Org{ID: "org_h1", Name: "协和医院", Role: "hospital", Region: "420100"}
	n := domain.Need{ID: "need_1", HospitalID: "org_h1", Item: "goggles", Quantity: 40, Region: "420100", Status: "open", PostedAt: t0}
	c := domain.Capacity{ID: "cap_1", ManufacturerID: "org_m1", Item: "goggles", Region: "330100", AvailableNow: 500, Revision: 3, ReportedAt: t0.Add(time.Minute)}
	d := domain.Donation{ID: "don_1", DonorID: "org_d1", PublicName: "", Offers: []string{"don_1/0", "don_1/1"}}
	a := domain.Allocation{ID: "alloc_1", Version: 4, NeedID: "need_1", HospitalID: "org_h1", HospitalRegion: "420100", Item: "goggles",
		Quantity: 40, SourceKind: "capacity", SourceID: "cap_1", SourceOrgID: "org_m1", Status: "delivered", Shipped: 40, Received: 39,
		DecidedBy: "policy-v1", Reason: "nearest", CreatedAt: t0, UpdatedAt: t0.Add(time.Hour),
		Shipments: []domain.Shipment{{Quantity: 30, At: t0.Add(time.Minute)}, {Quantity: 10, At: t0.Add(2 * time.Minute)}}}
	must(t, s.PutOrg(ctx, o))
	must(t, s.PutNeed(ctx, n))
	must(t, s.PutCapacity(ctx, c))
	must(t, s.PutDonation(ctx, d))
	must(t, s.PutAllocation(ctx, a))
	m, err := s.Load(ctx)
	must(t, err)
	checks := []struct {
		name      string
		got, want any
	}{
		{"org", m.Orgs["org_h1"], o},
		{"need", m.Needs["need_1"], n},
		{"capacity", m.Capacities["cap_1"], c},
		{"donation", m.Donations["don_1"], d},
		{"allocation", m.Allocations["alloc_1"], a},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s loaded as %+v\nwant %+v", c.name, c.got, c.want)
		}
	}
	if got, ok := m.DonationOfOffer("don_1/1"); !ok || got.ID != "don_1" {
		t.Errorf("offer don_1/1 → %+v, %v", got, ok)
	}
	// An allocation with no shipments loads with none.
	b := domain.Allocation{ID: "alloc_2", Version: 1, Status: "proposed", CreatedAt: t0, UpdatedAt: t0}
	must(t, s.PutAllocation(ctx, b))
	m, err = s.Load(ctx)
	must(t, err)
	if got := m.Allocations["alloc_2"]; len(got.Shipments) != 0 || got.Version != 1 {
		t.Errorf("alloc_2 loaded as %+v", got)
	}
}

func testReplace(t *testing.T, s domain.Store) {
	ctx := context.Background()
	must(t, s.PutNeed(ctx, domain.Need{ID: "need_1", Quantity: 10, Status: "open", PostedAt: t0}))
	must(t, s.PutNeed(ctx, domain.Need{ID: "need_1", Quantity: 10, Status: "cancelled", PostedAt: t0}))
	m, err := s.Load(ctx)
	must(t, err)
	if len(m.Needs) != 1 || m.Needs["need_1"].Status != "cancelled" {
		t.Fatalf("needs after replace: %+v", m.Needs)
	}
}

func testSnapshots(t *testing.T, s domain.Store) {
	ctx := context.Background()
	if list, err := s.ListSnapshots(ctx); err != nil || len(list) != 0 {
		t.Fatalf("empty store lists %v, %v", list, err)
	}
	if _, err := s.GetSnapshot(ctx, "2026-03-01"); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("missing snapshot: %v, want not found", err)
	}
	day2 := domain.Snapshot{Date: "2026-03-02", TakenAt: t0.Add(24 * time.Hour),
		Summary: []domain.SummaryItem{{Item: "goggles", Name: "Goggles", NameZh: "护目镜", Needed: 40, OpenShortage: 1}},
		Regions: []domain.RegionShortage{{Province: "420000", Name: "Hubei", NameZh: "湖北省", Needed: 40, ShortageRatio: 0.025, Level: domain.LevelBlue}},
		Flows: []domain.Flow{{ID: "alloc_1", Item: "goggles", Quantity: 40, Status: "delivered", SourceName: "厂", HospitalName: "协和医院",
			HospitalRegion: "420100", DecidedBy: "policy-v1", Reason: "nearest", ShippedQuantity: 40, ReceivedQuantity: 39, Time: t0}}}
	day1 := domain.Snapshot{Date: "2026-03-01", TakenAt: t0, Summary: []domain.SummaryItem{{Item: "goggles"}}}
	must(t, s.PutSnapshot(ctx, day2))
	must(t, s.PutSnapshot(ctx, domain.Snapshot{Date: "2026-03-01", TakenAt: t0.Add(-time.Hour)}))
	must(t, s.PutSnapshot(ctx, day1)) // the same date again replaces it
	got, err := s.GetSnapshot(ctx, "2026-03-02")
	must(t, err)
	if !reflect.DeepEqual(got, day2) {
		t.Errorf("snapshot read back as %+v\nwant %+v", got, day2)
	}
	list, err := s.ListSnapshots(ctx)
	must(t, err)
	want := []domain.SnapshotInfo{day1.Info(), day2.Info()}
	if !reflect.DeepEqual(list, want) {
		t.Errorf("list %+v, want %+v", list, want)
	}
}

func testCorrections(t *testing.T, s domain.Store) {
	ctx := context.Background()
	c1 := domain.Correction{ID: "ev_c1", Subject: "alloc_1", CorrectsType: "aidflow.matcher.allocation_dispatched.v1", Reason: "shipped 30",
		By: "org_r1", Fields: []domain.CorrectedField{{Field: "shipped_quantity", Value: "30"}}, At: t0}
	c2 := domain.Correction{ID: "ev_c2", Subject: "alloc_1", CorrectsType: "aidflow.matcher.allocation_accepted.v1", Reason: "r", By: "org_m1", At: t0.Add(time.Minute)}
	must(t, s.PutCorrection(ctx, c1))
	must(t, s.PutCorrection(ctx, c2))
	m, err := s.Load(ctx)
	must(t, err)
	if len(m.Corrections) != 2 || !reflect.DeepEqual(m.Corrections["ev_c1"], c1) || m.Corrections["ev_c2"].Reason != "r" || len(m.Corrections["ev_c2"].Fields) != 0 {
		t.Errorf("corrections loaded as %+v", m.Corrections)
	}
}
