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

	tests := []struct {
		name string
		q    domain.Query
		want []int64
	}{
		{"all", domain.Query{After: -1, Limit: 10}, []int64{0, 1, 2, 4, 5}},
		{"limit", domain.Query{After: -1, Limit: 2}, []int64{0, 1}},
		{"after", domain.Query{After: 1, Limit: 10}, []int64{2, 4, 5}},
		{"type", domain.Query{Type: events.NeedPostedType, After: -1, Limit: 10}, []int64{1, 4, 5}},
		{"org", domain.Query{OrgID: "h1", After: -1, Limit: 10}, []int64{0, 1, 5}},
		{"item", domain.Query{Item: "n95-respirator", After: -1, Limit: 10}, []int64{1, 2}},
		{"since", domain.Query{Since: t0.Add(2 * time.Minute), After: -1, Limit: 10}, []int64{2, 4, 5}},
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
	if x.Len() != 6 {
		t.Fatalf("Len = %d, want 6", x.Len())
	}
}
