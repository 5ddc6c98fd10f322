package domain_test

import (
	"slices"
	"testing"
	"time"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/audit/domain"
)

func TestIndexFind(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	x := domain.NewIndex()
	set := func(i int64, typ, org, item string, minutes int) {
		x.Set(i, events.Envelope{ID: "e", Type: typ, OrgID: org, Item: item, Time: t0.Add(time.Duration(minutes) * time.Minute)})
	}
	// Loaded out of order, with a hole at 3 (a record missing from the store).
	set(4, events.NeedPostedType, "h2", "goggles", 4)
	set(0, events.OrgRegisteredType, "h1", "", 0)
	set(1, events.NeedPostedType, "h1", "n95-respirator", 1)
	set(2, events.CapacityReportedType, "m1", "n95-respirator", 2)
	set(5, events.NeedPostedType, "h1", "goggles", 5)
	// An allocation from Hangzhou (330100) to Wuhan (420100) concerns both
	// organizations and both regions.
	x.Set(6, events.MustNew("matcher", events.AllocationEvent{Type: events.AllocationProposedType, Allocation: events.Allocation{AllocationID: "a1", HospitalID: "h1", HospitalRegion: "420100", SourceOrgID: "m1", SourceRegion: "330100", Item: "goggles"}},
		events.Meta{Subject: "a1", OrgID: "m1", Item: "goggles", Time: t0.Add(6 * time.Minute)}))
	x.Set(7, events.MustNew("demand", events.NeedPosted{NeedID: "n9", HospitalID: "h3", Item: "goggles", Region: "420500"},
		events.Meta{Subject: "n9", OrgID: "h3", Item: "goggles", Time: t0.Add(7 * time.Minute)}))

	tests := []struct {
		name string
		q    domain.Query
		want []int64
	}{
		{"all", domain.Query{After: -1, Limit: 10}, []int64{0, 1, 2, 4, 5, 6, 7}},
		{"limit", domain.Query{After: -1, Limit: 2}, []int64{0, 1}},
		{"after", domain.Query{After: 1, Limit: 10}, []int64{2, 4, 5, 6, 7}},
		{"type", domain.Query{Type: events.NeedPostedType, After: -1, Limit: 10}, []int64{1, 4, 5, 7}},
		{"org", domain.Query{OrgID: "h1", After: -1, Limit: 10}, []int64{0, 1, 5}},
		{"item", domain.Query{Item: "n95-respirator", After: -1, Limit: 10}, []int64{1, 2}},
		{"since", domain.Query{Since: t0.Add(2 * time.Minute), After: -1, Limit: 10}, []int64{2, 4, 5, 6, 7}},
		{"until", domain.Query{Until: t0.Add(2 * time.Minute), After: -1, Limit: 10}, []int64{0, 1}},
		{"since and until", domain.Query{Since: t0.Add(2 * time.Minute), Until: t0.Add(5 * time.Minute), After: -1, Limit: 10}, []int64{2, 4}},
		{"party as envelope org", domain.Query{Party: "h3", After: -1, Limit: 10}, []int64{7}},
		{"party named in the data", domain.Query{Party: "h1", After: -1, Limit: 10}, []int64{0, 1, 5, 6}},
		{"party, other side", domain.Query{Party: "m1", After: -1, Limit: 10}, []int64{2, 6}},
		{"region: hospital side", domain.Query{Region: "420100", After: -1, Limit: 10}, []int64{6}},
		{"region: source side", domain.Query{Region: "330100", After: -1, Limit: 10}, []int64{6}},
		{"region: province", domain.Query{Region: "420000", After: -1, Limit: 10}, []int64{6, 7}},
		{"region and item", domain.Query{Region: "420000", Item: "goggles", Type: events.NeedPostedType, After: -1, Limit: 10}, []int64{7}},
		{"unknown region", domain.Query{Region: "110000", After: -1, Limit: 10}, nil},
		{"combined", domain.Query{Type: events.NeedPostedType, OrgID: "h1", Since: t0.Add(time.Minute), After: 1, Limit: 10}, []int64{5}},
		{"unknown type", domain.Query{Type: "aidflow.nobody.nothing.v1", After: -1, Limit: 10}, nil},
		{"unknown org", domain.Query{OrgID: "nobody", After: -1, Limit: 10}, nil},
		{"zero limit", domain.Query{After: -1}, nil},
	}
	for _, tt := range tests {
		if got := x.Find(tt.q); !slices.Equal(got, tt.want) {
			t.Errorf("%s: Find = %v, want %v", tt.name, got, tt.want)
		}
	}
	if x.Len() != 8 {
		t.Fatalf("Len = %d, want 8", x.Len())
	}
}
