package domain_test

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/contracts/schemas/validator"
	"github.com/aidflow/aidflow/services/audit/domain"
)

var t0 = time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)

// allocEv is an allocation event at hour h after t0.
func allocEv(typ string, version int64, status string, shipped, received, damaged int64, h float64) events.Envelope {
	a := events.Allocation{AllocationID: "alloc_1", Version: version, NeedID: "need_1", HospitalID: "org_h1", HospitalRegion: "420100",
		Item: "n95-respirator", Quantity: 1000, SourceKind: "capacity", SourceID: "cap_1", SourceOrgID: "org_m1", SourceRegion: "330100",
		Status: status, ShippedQuantity: shipped, ReceivedQuantity: received, DamagedQuantity: damaged}
	return events.MustNew("matcher", events.AllocationEvent{Type: typ, Allocation: a},
		events.Meta{Subject: "alloc_1", OrgID: "org_m1", Item: "n95-respirator", Time: t0.Add(time.Duration(h * float64(time.Hour)))})
}

func capEv(id, org string, rev, price int64, h float64) events.Envelope {
	return events.MustNew("supply", events.CapacityReported{CapacityID: id, ManufacturerID: org, Item: "n95-respirator", Region: "330100", AvailableNow: 100, Revision: rev, UnitPrice: price},
		events.Meta{Subject: id, OrgID: org, Item: "n95-respirator", Time: t0.Add(time.Duration(h * float64(time.Hour)))})
}

func donationEv(h float64) events.Envelope {
	return events.MustNew("donation", events.DonationPledged{DonationID: "don_1", DonorID: "org_d1", Region: "310000", Lines: []events.DonationLine{{OfferID: "don_1/0", Item: "goggles", Quantity: 10}}},
		events.Meta{Subject: "don_1", OrgID: "org_d1", Item: "goggles", Time: t0.Add(time.Duration(h * float64(time.Hour)))})
}

func donAllocEv(typ, status string, version, shipped int64, h float64) events.Envelope {
	a := events.Allocation{AllocationID: "alloc_d", Version: version, HospitalID: "org_h1", Item: "goggles", Quantity: 10, SourceKind: "donation", SourceID: "don_1/0", SourceOrgID: "org_d1", Status: status, ShippedQuantity: shipped}
	return events.MustNew("matcher", events.AllocationEvent{Type: typ, Allocation: a}, events.Meta{Subject: "alloc_d", Time: t0.Add(time.Duration(h * float64(time.Hour)))})
}

func at(h float64) events.Meta {
	return events.Meta{Time: t0.Add(time.Duration(h * float64(time.Hour)))}
}

func needEv(id, urgency string, qty int64, h float64) events.Envelope {
	return events.MustNew("demand", events.NeedPosted{NeedID: id, HospitalID: "org_h1", Item: "n95-respirator", Quantity: qty, Urgency: urgency, Region: "420100"}, at(h))
}

func needChange(typ, id, status string, h float64) events.Envelope {
	n := events.NeedChanged{NeedID: id, HospitalID: "org_h1", Item: "n95-respirator", Status: status}
	var p events.Payload = events.NeedCancelled(n)
	if typ == events.NeedConfirmedType {
		p = events.NeedConfirmed(n)
	}
	return events.MustNew("demand", p, at(h))
}

func availEv(rev, avail int64, h float64) events.Envelope {
	return events.MustNew("supply", events.CapacityReported{CapacityID: "cap_x", ManufacturerID: "org_mx", Item: "n95-respirator", Region: "330100", AvailableNow: avail, Revision: rev}, at(h))
}

func stockEv(daily int64, h float64) events.Envelope {
	return events.MustNew("demand", events.StockReported{HospitalID: "org_h1", Item: "n95-respirator", Region: "420100", OnHand: 10, DailyConsumption: daily}, at(h))
}

// receivedEv is a delivered allocation of qty units to org_h1 at hour h.
func receivedEv(id string, qty int64, h float64) events.Envelope {
	return receivedFor("need_z", id, qty, h)
}

func receivedFor(need, id string, qty int64, h float64) events.Envelope {
	a := events.Allocation{AllocationID: id, Version: 5, NeedID: need, HospitalID: "org_h1", HospitalRegion: "420100", Item: "n95-respirator", Quantity: qty,
		SourceKind: "capacity", SourceID: "cap_z", SourceOrgID: "org_mz", Status: "delivered", ShippedQuantity: qty, ReceivedQuantity: qty}
	return events.MustNew("matcher", events.AllocationEvent{Type: events.AllocationReceivedType, Allocation: a}, at(h))
}

func TestAnomalyRules(t *testing.T) {
	accepted := []events.Envelope{
		allocEv(events.AllocationProposedType, 1, "proposed", 0, 0, 0, 0),
		allocEv(events.AllocationAcceptedType, 2, "accepted", 0, 0, 0, 1),
	}
	dispatched := append(slices.Clone(accepted), allocEv(events.AllocationDispatchedType, 3, "dispatched", 1000, 0, 0, 10))
	received := func(v int64, status string, rec, dmg int64, h float64) []events.Envelope {
		return append(slices.Clone(dispatched), allocEv(events.AllocationReceivedType, v, status, 1000, rec, dmg, h))
	}
	prices := func(ps ...int64) []events.Envelope {
		var out []events.Envelope
		for i, p := range ps {
			out = append(out, capEv("cap_"+string(rune('a'+i)), "org_"+string(rune('a'+i)), 1, p, 0))
		}
		return out
	}
	tests := []struct {
		name string
		evs  []events.Envelope
		at   float64 // hours after t0
		want []string
	}{
		{"accepted, within 48h", accepted, 49, nil},
		{"accepted, 48h passed", accepted, 49.5, []string{"accepted_not_dispatched:alloc_1"}},
		{"accepted then dispatched", dispatched, 60, nil},
		{"stale version replayed after dispatch", append(slices.Clone(dispatched), accepted[1]), 60, nil},
		{"dispatched, within 72h", dispatched, 82, nil},
		{"dispatched, 72h passed", dispatched, 82.5, []string{"dispatched_no_receipt:alloc_1"}},
		{"delivered in full", received(4, "delivered", 1000, 0, 20), 200, nil},
		{"delivered 5% short: within", received(4, "delivered", 950, 50, 20), 30, nil},
		{"delivered over 5% short", received(4, "delivered", 949, 51, 20), 30, []string{"short_receipt:alloc_1"}},
		{"partial receipt, still adding up", received(4, "dispatched", 500, 0, 20), 80, nil},
		{"partial receipt, 72h passed", received(4, "dispatched", 500, 0, 20), 83, []string{"short_receipt:alloc_1"}},
		{"prices: too few to judge", prices(100, 1000), 1, nil},
		{"prices: at 3× the median", prices(100, 100, 300), 1, nil},
		{"prices: above 3× the median", prices(100, 110, 120, 361), 1, []string{"price_above_median:cap_d"}},
		{"prices: a newer revision lowers it", append(prices(100, 110, 120, 361), capEv("cap_d", "org_d", 2, 130, 2)), 3, nil},
		{"prices: an older revision replayed", append(prices(100, 110, 120, 130), capEv("cap_d", "org_d", 0, 900, 2)), 3, nil},
		{"pledge, within 7 days", []events.Envelope{donationEv(0)}, 168, nil},
		{"pledge, 7 days and nothing shipped", []events.Envelope{donationEv(0)}, 169, []string{"pledge_not_shipped:don_1"}},
		{"pledge, allocated but not shipped", []events.Envelope{donationEv(0), donAllocEv(events.AllocationAcceptedType, "accepted", 1, 0, 1)}, 169, []string{"accepted_not_dispatched:alloc_d", "pledge_not_shipped:don_1"}},
		{"pledge, shipped", []events.Envelope{donationEv(0), donAllocEv(events.AllocationDispatchedType, "dispatched", 2, 10, 1)}, 169, []string{"dispatched_no_receipt:alloc_d"}},
		{"directed gift flagged by donation", []events.Envelope{events.MustNew("donation", events.DirectedGiftOverdue{DonationID: "don_2", DonorID: "org_d1", DirectedHospitalID: "org_h1", PledgedAt: "2026-03-01T08:00:00Z", DueAt: "2026-03-04T08:00:00Z", FlaggedAt: "2026-03-04T08:05:00Z", Pledged: 10, Delivered: 2}, events.Meta{Subject: "don_2"})}, 80, []string{"directed_gift_overdue:don_2"}},
	}
	v, err := validator.New()
	if err != nil {
		t.Fatal(err)
	}
	idle := []events.Envelope{needEv("need_c", "critical", 100, 0), availEv(1, 50, 0), availEv(2, 40, 24)}
	tests = append(tests, []struct {
		name string
		evs  []events.Envelope
		at   float64
		want []string
	}{
		{"idle supply, under 72h", idle, 71, nil},
		{"idle supply, 72h", idle, 73, []string{"supply_idle_while_critical:cap_x"}},
		{"idle supply, need not critical", []events.Envelope{needEv("need_c", "high", 100, 0), availEv(1, 50, 0)}, 73, nil},
		{"idle supply, need cancelled", append(slices.Clone(idle), needChange(events.NeedCancelledType, "need_c", "cancelled", 10)), 73, nil},
		{"idle supply, need confirmed still open", append(slices.Clone(idle), needChange(events.NeedConfirmedType, "need_c", "open", 10)), 73, []string{"supply_idle_while_critical:cap_x"}},
		{"idle supply, ran out in between", append(slices.Clone(idle), availEv(3, 0, 30), availEv(4, 10, 40)), 73, nil},
		{"idle supply, need fully allocated", append(slices.Clone(idle), receivedFor("need_c", "alloc_n", 100, 1)), 73, nil},
		{"received within 3× use", []events.Envelope{stockEv(10, 0), receivedEv("r1", 200, 1), receivedEv("r2", 220, 2)}, 3, nil},
		{"received over 3× use", []events.Envelope{stockEv(10, 0), receivedEv("r1", 200, 1), receivedEv("r2", 221, 2)}, 3, []string{"received_over_consumption:org_h1/n95-respirator"}},
		{"received over 3× use, but long ago", []events.Envelope{stockEv(10, 0), receivedEv("r1", 200, 1), receivedEv("r2", 221, 2)}, 14*24 + 2, nil},
		{"received, no consumption reported", []events.Envelope{receivedEv("r1", 2000, 1)}, 3, nil},
	}...)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := domain.NewWatch()
			for _, e := range tt.evs {
				w.Observe(e)
			}
			now := t0.Add(time.Duration(tt.at * float64(time.Hour)))
			got := w.Evaluate(now, domain.DefaultThresholds)
			var ids []string
			for _, a := range got {
				ids = append(ids, a.ID)
				if a.Threshold == "" || a.Observed == "" || !a.RaisedAt.Equal(now) || a.SubjectID == "" {
					t.Errorf("anomaly %+v is missing its threshold, observation or time", a)
				}
				data, _ := json.Marshal(a.Event())
				if err := v.Data(events.AnomalyRaisedType, data); err != nil {
					t.Errorf("anomaly event: %v", err)
				}
			}
			if !slices.Equal(ids, tt.want) {
				t.Fatalf("anomalies %v, want %v", ids, tt.want)
			}
		})
	}
}
