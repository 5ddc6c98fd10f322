package domain_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/aidflow/aidflow/services/demand/domain"
)

func types(es []domain.TimelineEntry) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.Type)
	}
	return out
}

func TestTimeline(t *testing.T) {
	now := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
	n, err := domain.NewNeed(domain.NewNeedInput{Item: "goggles", Quantity: "100", Urgency: "high", NeededBy: "2026-03-05"},
		domain.Poster{HospitalID: "org_h", Region: "420100"}, now)
	if err != nil {
		t.Fatal(err)
	}
	apply := func(a domain.Allocation) {
		t.Helper()
		now = now.Add(time.Minute)
		if _, err := n.ApplyAllocation(a, "org_h", "goggles", now); err != nil {
			t.Fatal(err)
		}
	}
	apply(domain.Allocation{ID: "a1", Version: 1, Quantity: 60, Status: "proposed"})
	apply(domain.Allocation{ID: "a1", Version: 1, Quantity: 60, Status: "proposed"}) // replay: no entry
	apply(domain.Allocation{ID: "a1", Version: 2, Quantity: 60, Status: "accepted"})
	apply(domain.Allocation{ID: "a2", Version: 1, Quantity: 40, Status: "proposed"})
	apply(domain.Allocation{ID: "a2", Version: 2, Quantity: 40, Status: "declined"})
	apply(domain.Allocation{ID: "a1", Version: 3, Quantity: 60, Status: "dispatched", Shipped: 30})
	apply(domain.Allocation{ID: "a1", Version: 4, Quantity: 60, Status: "dispatched", Shipped: 60})
	apply(domain.Allocation{ID: "a1", Version: 5, Quantity: 60, Status: "dispatched", Shipped: 60, Received: 20})
	apply(domain.Allocation{ID: "a1", Version: 6, Quantity: 60, Status: "delivered", Shipped: 60, Received: 55, Damaged: 5})
	now = now.Add(8 * 24 * time.Hour)
	if !n.MarkStale(now, 7*24*time.Hour) {
		t.Fatal("not stale")
	}
	if err := n.Confirm(now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := n.Cancel(now.Add(2 * time.Hour)); err != nil {
		t.Fatal(err)
	}
	got, omitted := n.TimelineEntries()
	want := []string{"posted", "allocation_proposed", "allocation_accepted", "allocation_proposed", "allocation_declined",
		"allocation_dispatched", "allocation_dispatched", "allocation_received", "allocation_received", "stale", "confirmed", "cancelled"}
	if !slices.Equal(types(got), want) || omitted != 0 {
		t.Fatalf("timeline = %v (%d omitted), want %v", types(got), omitted, want)
	}
	statuses := []string{"open", "partially_allocated", "partially_allocated", "allocated", "partially_allocated",
		"partially_allocated", "partially_allocated", "partially_allocated", "partially_allocated", "stale", "partially_allocated", "cancelled"}
	for i, e := range got {
		if e.Status != statuses[i] {
			t.Errorf("entry %d %s: status %s, want %s", i, e.Type, e.Status, statuses[i])
		}
		if i > 0 && e.At.Before(got[i-1].At) {
			t.Errorf("entry %d is older than the one before", i)
		}
	}
	if last := got[8]; last.AllocationID != "a1" || last.Received != 55 || last.Damaged != 5 || last.Quantity != 60 {
		t.Errorf("receipt entry = %+v", last)
	}
	if got[0].Quantity != 100 {
		t.Errorf("posting entry = %+v", got[0])
	}
}

func TestTimelineIsBounded(t *testing.T) {
	now := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
	n, err := domain.NewNeed(domain.NewNeedInput{Item: "goggles", Quantity: "100", Urgency: "high", NeededBy: "2026-03-05"},
		domain.Poster{HospitalID: "org_h", Region: "420100"}, now)
	if err != nil {
		t.Fatal(err)
	}
	const extra = 50
	for i := range domain.MaxTimeline - 1 + extra {
		a := domain.Allocation{ID: fmt.Sprintf("a%d", i), Version: 1, Quantity: 1, Status: "declined"}
		if _, err := n.ApplyAllocation(a, "org_h", "goggles", now); err != nil {
			t.Fatal(err)
		}
	}
	got, omitted := n.TimelineEntries()
	if len(got) != domain.MaxTimeline || omitted != extra || got[0].Type != "posted" ||
		got[1].AllocationID != fmt.Sprintf("a%d", extra) || got[len(got)-1].AllocationID != fmt.Sprintf("a%d", domain.MaxTimeline-2+extra) {
		t.Errorf("%d entries, %d omitted, first %+v, second %+v", len(got), omitted, got[0], got[1])
	}
}

func TestTimelineOfAnOlderNeed(t *testing.T) {
	at := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
	old := domain.Need{ID: "need_old", HospitalID: "org_h", Item: "goggles", Quantity: 7, CreatedAt: at, Status: domain.StatusOpen}
	got, _ := old.TimelineEntries()
	if len(got) != 1 || got[0].Type != "posted" || !got[0].At.Equal(at) || got[0].Quantity != 7 {
		t.Errorf("timeline = %+v", got)
	}
	// Its first recorded step keeps the posting before it.
	if err := old.Confirm(at.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got, _ := old.TimelineEntries(); !slices.Equal(types(got), []string{"posted", "confirmed"}) {
		t.Errorf("timeline after a step = %v", types(got))
	}
}
