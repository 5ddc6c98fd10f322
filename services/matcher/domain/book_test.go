package domain_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/matcher/domain"
	"github.com/aidflow/aidflow/services/matcher/domain/policy"
)

func bookWith(t *testing.T, allocs ...domain.Allocation) *domain.Book {
	t.Helper()
	b := domain.NewBook()
	b.PutHospital(domain.Hospital{ID: "h1", Region: "420100", FacilityType: "designated"})
	b.PutNeed(domain.Need{ID: "n1", HospitalID: "h1", Item: "ventilator", Region: "420100", Quantity: 20, Urgency: "high",
		NeededBy: "2026-03-05", AcceptedStandards: []string{"GB 9706.212"}, Status: domain.NeedOpen})
	b.PutOffer(domain.Offer{ID: "cap1", Kind: policy.KindCapacity, OrgID: "m1", Item: "ventilator", Region: "420100",
		Standard: "GB 9706.212", AvailableNow: 100, ReportID: "r1"})
	b.PutOffer(domain.Offer{ID: "don1/0", Kind: policy.KindDonation, OrgID: "d1", Item: "ventilator", Region: "110000",
		Standard: "GB 9706.212", Quantity: 30})
	for _, a := range allocs {
		b.PutAllocation(a)
	}
	return b
}

func al(id, source, status string, qty, shipped int64, shipments ...domain.Shipment) domain.Allocation {
	kind := policy.KindCapacity
	if source == "don1/0" {
		kind = policy.KindDonation
	}
	return domain.Allocation{ID: id, NeedID: "n1", HospitalID: "h1", Item: "ventilator", Quantity: qty, SourceKind: kind,
		SourceID: source, SourceOrgID: "m1", Status: status, ShippedQuantity: shipped, Shipments: shipments, CreatedAt: t0}
}

// TestRemaining is the arithmetic of "what is left" (README, "Remaining").
func TestRemaining(t *testing.T) {
	tests := []struct {
		name                 string
		allocs               []domain.Allocation
		need, capacity, gift int64
	}{
		{"nothing allocated", nil, 20, 100, 30},
		{"proposed and accepted hold units", []domain.Allocation{al("a1", "cap1", "proposed", 5, 0), al("a2", "don1/0", "accepted", 4, 0)}, 11, 95, 26},
		{"declined and expired give them back", []domain.Allocation{al("a1", "cap1", "declined", 5, 0), al("a2", "don1/0", "expired", 4, 0)}, 20, 100, 30},
		{"a partial dispatch under the current report", []domain.Allocation{al("a1", "cap1", "dispatched", 10, 4, domain.Shipment{Quantity: 4, ReportID: "r1"})}, 10, 90, 30},
		{"a shipment under an older report is in the new report already", []domain.Allocation{al("a1", "cap1", "dispatched", 10, 4, domain.Shipment{Quantity: 4, ReportID: "r0"})}, 10, 94, 30},
		{"delivered", []domain.Allocation{al("a1", "cap1", "delivered", 10, 10, domain.Shipment{Quantity: 10, ReportID: "r1"}), al("a2", "don1/0", "delivered", 3, 3)}, 7, 90, 27},
		{"cancelled after a partial shipment keeps what was shipped", []domain.Allocation{al("a1", "cap1", "cancelled", 10, 4, domain.Shipment{Quantity: 4, ReportID: "r1"}), al("a2", "don1/0", "cancelled", 5, 2)}, 14, 96, 28},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := bookWith(t, tt.allocs...)
			if got := b.NeedRemaining("n1"); got != tt.need {
				t.Errorf("need remaining %d, want %d", got, tt.need)
			}
			if got := b.OfferRemaining("cap1"); got != tt.capacity {
				t.Errorf("capacity remaining %d, want %d", got, tt.capacity)
			}
			if got := b.OfferRemaining("don1/0"); got != tt.gift {
				t.Errorf("donation remaining %d, want %d", got, tt.gift)
			}
		})
	}
}

func TestMarket(t *testing.T) {
	b := bookWith(t, al("a1", "cap1", "accepted", 5, 0))
	needs, offers := b.Market("ventilator")
	if len(needs) != 1 || needs[0].Remaining != 15 || needs[0].FacilityType != "designated" || needs[0].Stale || needs[0].Cancelled {
		t.Fatalf("needs %+v", needs)
	}
	if len(offers) != 2 || offers[0].ID != "cap1" || offers[0].Remaining != 95 || offers[1].Remaining != 30 {
		t.Fatalf("offers %+v", offers)
	}
	n, _ := b.Need("n1")
	n.HospitalID = "h-unknown"
	n.ID = "n2"
	b.PutNeed(n)
	needs, _ = b.Market("ventilator")
	if needs[1].FacilityType != "general" {
		t.Fatalf("a hospital not yet announced is general, got %q", needs[1].FacilityType)
	}
	if needs, offers := b.Market("goggles"); len(needs)+len(offers) != 0 {
		t.Fatal("another item's market is not empty")
	}
}

func TestExcluded(t *testing.T) {
	declined := al("a1", "cap1", "declined", 5, 0)
	declined.SourceReport = "r1"
	gone := al("a2", "don1/0", "expired", 5, 0)
	b := bookWith(t, declined, gone, al("a3", "cap1", "accepted", 2, 0))
	n, _ := b.PolicyNeed("n1")
	if fmt.Sprint(n.Excluded) != "[cap1 don1/0]" {
		t.Fatalf("excluded %v", n.Excluded)
	}
	o, _ := b.Offer("cap1")
	o.ReportID = "r2"
	b.PutOffer(o)
	if n, _ := b.PolicyNeed("n1"); fmt.Sprint(n.Excluded) != "[don1/0]" {
		t.Fatalf("after a new report, excluded %v", n.Excluded)
	}
}

func TestList(t *testing.T) {
	b := domain.NewBook()
	for i, s := range []string{"proposed", "accepted", "proposed", "declined", "proposed"} {
		a := al(domain.NewAllocationID("e", "ventilator", i), "cap1", s, 1, 0)
		a.CreatedAt = t0.Add(time.Duration(i) * time.Second)
		a.HospitalID = []string{"h1", "h2"}[i%2]
		b.PutAllocation(a)
	}
	page, next := b.List(domain.ListFilter{Limit: 2})
	if len(page) != 2 || next == "" || page[0].CreatedAt.After(page[1].CreatedAt) {
		t.Fatalf("first page %v next %q", page, next)
	}
	rest, next2 := b.List(domain.ListFilter{Limit: 10, After: next})
	if len(rest) != 3 || next2 != "" {
		t.Fatalf("second page %d next %q", len(rest), next2)
	}
	proposed, _ := b.List(domain.ListFilter{Limit: 10, Status: "proposed"})
	if len(proposed) != 3 {
		t.Fatalf("proposed %d", len(proposed))
	}
	h2, _ := b.List(domain.ListFilter{Limit: 10, OrgID: "h2"})
	if len(h2) != 2 {
		t.Fatalf("h2 sees %d", len(h2))
	}
	m1, _ := b.List(domain.ListFilter{Limit: 10, OrgID: "m1", Status: "declined"})
	if len(m1) != 1 {
		t.Fatalf("m1 declined %d", len(m1))
	}
	// Changing an allocation keeps its place.
	a := page[0]
	a.Status = domain.StatusExpired
	b.PutAllocation(a)
	if again, _ := b.List(domain.ListFilter{Limit: 1}); again[0].ID != a.ID || again[0].Status != domain.StatusExpired {
		t.Fatalf("after a change: %+v", again)
	}
	if got := len(b.ProposedBefore(t0.Add(time.Hour))); got != 2 {
		t.Fatalf("proposed before: %d, want 2 (one expired)", got)
	}
}

func TestNeedStatus(t *testing.T) {
	tests := []struct {
		from, event, want string
		changed           bool
	}{
		{domain.NeedOpen, events.NeedStaleType, domain.NeedStale, true},
		{domain.NeedStale, events.NeedConfirmedType, domain.NeedOpen, true},
		{domain.NeedOpen, events.NeedConfirmedType, domain.NeedOpen, false},
		{domain.NeedOpen, events.NeedCancelledType, domain.NeedCancelled, true},
		{domain.NeedCancelled, events.NeedConfirmedType, domain.NeedCancelled, false},
		{domain.NeedCancelled, events.NeedStaleType, domain.NeedCancelled, false},
	}
	for _, tt := range tests {
		n := domain.Need{Status: tt.from}
		if changed := n.ApplyStatus(tt.event); n.Status != tt.want || changed != tt.changed {
			t.Errorf("%s + %s = %s (%v), want %s (%v)", tt.from, tt.event, n.Status, changed, tt.want, tt.changed)
		}
	}
}

func TestCapacitySupersedes(t *testing.T) {
	held := domain.Offer{ReportID: "e1", Revision: 3}
	tests := []struct {
		r    domain.Offer
		want bool
	}{
		{domain.Offer{ReportID: "e1", Revision: 3}, false},
		{domain.Offer{ReportID: "e2", Revision: 4}, true},
		{domain.Offer{ReportID: "e0", Revision: 2}, false},
		{domain.Offer{ReportID: "e2"}, true},
	}
	for _, tt := range tests {
		if got := tt.r.Supersedes(held); got != tt.want {
			t.Errorf("%+v supersedes %+v = %v", tt.r, held, got)
		}
	}
}
