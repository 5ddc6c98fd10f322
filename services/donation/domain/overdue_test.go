package domain_test

import (
	"testing"
	"time"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/donation/domain"
	"github.com/aidflow/aidflow/shared/auth"
)

func TestFlagOverdue(t *testing.T) {
	pledgedAt := time.Date(2020, 2, 3, 8, 0, 0, 0, time.UTC)
	due := pledgedAt.Add(72 * time.Hour)
	gift := func(t *testing.T, region, hospital string) domain.Donation {
		t.Helper()
		var h *domain.Org
		if hospital != "" {
			h = &domain.Org{ID: hospital, Role: auth.Hospital, Region: "420100"}
		}
		d, err := domain.NewDonation(domain.PledgeInput{Items: []domain.LineInput{{Item: "goggles", Quantity: 100}},
			Region: region, HospitalID: hospital}, auth.Claims{OrgID: "org_d", Role: auth.Donor, Region: "330100"}, h, pledgedAt)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	deliver := func(d *domain.Donation, qty int64) {
		a := events.Allocation{AllocationID: "a1", Version: 1, Status: "delivered", Item: "goggles", Quantity: qty, ShippedQuantity: qty,
			ReceivedQuantity: qty - 1, HospitalID: "org_h", SourceKind: "donation", SourceOrgID: "org_d"}
		if _, err := d.ApplyAllocation(a, 0, pledgedAt); err != nil {
			panic(err)
		}
	}
	tests := []struct {
		name     string
		make     func(t *testing.T) domain.Donation
		at       time.Time
		flagged  bool
		received int64
	}{
		{"undirected gifts are never flagged", func(t *testing.T) domain.Donation { return gift(t, "", "") }, due.Add(time.Hour), false, 0},
		{"a directed gift one moment before its deadline", func(t *testing.T) domain.Donation { return gift(t, "420000", "") }, due.Add(-time.Millisecond), false, 0},
		{"a gift directed to a region, at its deadline", func(t *testing.T) domain.Donation { return gift(t, "420000", "") }, due, true, 0},
		{"a gift directed to a hospital, partly delivered", func(t *testing.T) domain.Donation {
			d := gift(t, "", "org_h")
			deliver(&d, 60)
			return d
		}, due.Add(time.Hour), true, 59},
		{"a delivered gift", func(t *testing.T) domain.Donation {
			d := gift(t, "420000", "org_h")
			deliver(&d, 100)
			return d
		}, due.Add(time.Hour), false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := tt.make(t)
			ev, ok := d.FlagOverdue(tt.at, "donation")
			if ok != tt.flagged || (d.OverdueAt != nil) != tt.flagged || len(d.Flags()) != map[bool]int{true: 1}[tt.flagged] {
				t.Fatalf("flagged %v, OverdueAt %v, flags %v; want %v", ok, d.OverdueAt, d.Flags(), tt.flagged)
			}
			if !ok {
				return
			}
			var data events.DirectedGiftOverdue
			if err := ev.Decode(&data); err != nil {
				t.Fatal(err)
			}
			if ev.Type != events.DirectedGiftOverdueType || ev.Subject != d.ID || ev.OrgID != "org_d" || data.DonationID != d.ID ||
				data.Pledged != 100 || data.Delivered != tt.received || data.DueAt != "2020-02-06T08:00:00Z" ||
				data.PledgedAt != "2020-02-03T08:00:00Z" || data.DirectedRegion != d.DirectedRegion || data.DirectedHospitalID != d.DirectedHospitalID {
				t.Errorf("event %+v %+v", ev, data)
			}
			if _, again := d.FlagOverdue(tt.at.Add(time.Hour), "donation"); again {
				t.Error("flagged twice")
			}
			if j := d.Journey(func(string) string { return "" }); len(j.Flags) != 1 || j.Flags[0] != domain.FlagDirectedGiftOverdue || j.OverdueAt == nil {
				t.Errorf("journey flags %v %v", j.Flags, j.OverdueAt)
			}
		})
	}
}
