package policy_test

import (
	"testing"

	"github.com/aidflow/aidflow/services/matcher/domain/policy"
)

func TestTransitDays(t *testing.T) {
	tests := []struct {
		km   float64
		want int
	}{{0, 0}, {1, 1}, {800, 1}, {801, 2}, {1600, 2}, {2400.5, 4}}
	for _, tt := range tests {
		if got, ok := policy.TransitDays(tt.km); !ok || got != tt.want {
			t.Errorf("TransitDays(%v) = %d, %v; want %d", tt.km, got, ok, tt.want)
		}
	}
}

// TestArrivalByNeededBy: today is 2026-03-01; Wuhan (420100) to Beijing
// (110000) is about 1,050 km, two days of transit.
func TestArrivalByNeededBy(t *testing.T) {
	far := func(lead int) func(*policy.Offer) {
		return func(o *policy.Offer) { o.Region, o.LeadTimeDays = "110000", lead }
	}
	due := func(d string) func(*policy.Need) { return func(n *policy.Need) { n.NeededBy = d } }
	tests := []struct {
		name  string
		need  policy.Need
		offer policy.Offer
		want  int64
	}{
		{"same region, no lead time, due today", need("A", "ventilator", 5, due("2026-03-01")), offer("X", "ventilator", 5), 5},
		{"same region, lead time past the date", need("A", "ventilator", 5, due("2026-03-02")), offer("X", "ventilator", 5, func(o *policy.Offer) { o.LeadTimeDays = 2 }), 0},
		{"far, lead 1 + transit 2 = 3 days, due in 3", need("A", "ventilator", 5, due("2026-03-04")), offer("X", "ventilator", 5, far(1)), 5},
		{"far, lead 1 + transit 2 = 3 days, due in 2", need("A", "ventilator", 5, due("2026-03-03")), offer("X", "ventilator", 5, far(1)), 0},
		{"overdue: late whatever is sent, any source", need("A", "ventilator", 5, due("2026-02-27")), offer("X", "ventilator", 5, far(3)), 5},
		{"no usable date: any source", need("A", "ventilator", 5, due("soon")), offer("X", "ventilator", 5, far(3)), 5},
		{"unknown source region: no arrival can be promised", need("A", "ventilator", 5), offer("X", "ventilator", 5, func(o *policy.Offer) { o.Region = "999999" }), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			needs, offers := []policy.Need{tt.need}, []policy.Offer{tt.offer}
			ds := policy.Match(needs, offers, today)
			if err := policy.Check(needs, offers, ds); err != nil {
				t.Fatal(err)
			}
			if got := byNeed(ds)["A"]; got != tt.want {
				t.Errorf("got %d, want %d (%+v)", got, tt.want, ds)
			}
			if got := policy.CanArrive(tt.need, tt.offer, today); got != (tt.want > 0) {
				t.Errorf("CanArrive = %v, disagrees with Match", got)
			}
		})
	}
}

// TestFarSourceThatArrivesServesBeforeNearOneThatDoesNot: a near source
// with a long lead time yields to a farther one that arrives in time.
func TestFarSourceThatArrivesServesBeforeNearOneThatDoesNot(t *testing.T) {
	needs := []policy.Need{need("A", "ventilator", 5, func(n *policy.Need) { n.NeededBy = "2026-03-03" })}
	offers := []policy.Offer{
		offer("NEAR", "ventilator", 5, func(o *policy.Offer) { o.LeadTimeDays = 5 }),
		offer("FAR", "ventilator", 5, func(o *policy.Offer) { o.Region = "330100" }), // 562 km: 1 day
	}
	ds := policy.Match(needs, offers, today)
	if len(ds) != 1 || ds[0].OfferID != "FAR" || ds[0].Quantity != 5 {
		t.Fatalf("%+v", ds)
	}
}
