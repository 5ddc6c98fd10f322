package policy_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aidflow/aidflow/services/matcher/domain/policy"
)

var today = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

// need and offer build markets tersely; n95-respirator packs 20,
// ventilator 1, surgical-mask 50.
func need(id, item string, qty int64, mods ...func(*policy.Need)) policy.Need {
	std := map[string][]string{"n95-respirator": {"GB 19083"}, "ventilator": {"GB 9706.212"}, "surgical-mask": {"YY 0469"}}[item]
	n := policy.Need{ID: id, HospitalID: "h" + id, Item: item, Region: "420100", FacilityType: "general", Urgency: policy.High,
		NeededBy: "2026-03-05", AcceptedStandards: std, Remaining: qty}
	for _, m := range mods {
		m(&n)
	}
	return n
}

func offer(id, item string, qty int64, mods ...func(*policy.Offer)) policy.Offer {
	std := map[string]string{"n95-respirator": "GB 19083", "ventilator": "GB 9706.212", "surgical-mask": "YY 0469"}[item]
	o := policy.Offer{ID: id, Kind: policy.KindCapacity, OrgID: "m" + id, Item: item, Region: "420100", Standard: std, Remaining: qty}
	for _, m := range mods {
		m(&o)
	}
	return o
}

func byNeed(ds []policy.Decision) map[string]int64 {
	m := map[string]int64{}
	for _, d := range ds {
		m[d.NeedID] += d.Quantity
	}
	return m
}

func TestMatch(t *testing.T) {
	tests := []struct {
		name   string
		needs  []policy.Need
		offers []policy.Offer
		want   map[string]int64
	}{
		{
			name:   "cancelled needs are not matched",
			needs:  []policy.Need{need("A", "ventilator", 5, func(n *policy.Need) { n.Cancelled = true }), need("B", "ventilator", 5)},
			offers: []policy.Offer{offer("X", "ventilator", 10)},
			want:   map[string]int64{"B": 5},
		},
		{
			name:   "whole packs when shares would split one",
			needs:  []policy.Need{need("A", "n95-respirator", 100), need("B", "n95-respirator", 100)},
			offers: []policy.Offer{offer("X", "n95-respirator", 60)},
			// 30 each would split a pack of 20: 20 each, then the last
			// pack goes to the first need by id.
			want: map[string]int64{"A": 40, "B": 20},
		},
		{
			name:   "what is left of a need under one pack may go loose",
			needs:  []policy.Need{need("A", "n95-respirator", 1030)},
			offers: []policy.Offer{offer("X", "n95-respirator", 5000)},
			want:   map[string]int64{"A": 1030},
		},
		{
			name:   "what is left of a source under one pack may go loose",
			needs:  []policy.Need{need("A", "n95-respirator", 1000)},
			offers: []policy.Offer{offer("X", "n95-respirator", 15), offer("Y", "n95-respirator", 45, func(o *policy.Offer) { o.Region = "110000" })},
			want:   map[string]int64{"A": 60},
		},
		{
			name:   "a directed region serves only needs inside it",
			needs:  []policy.Need{need("A", "ventilator", 5), need("B", "ventilator", 5, func(n *policy.Need) { n.Region = "330100" })},
			offers: []policy.Offer{offer("D", "ventilator", 10, func(o *policy.Offer) { o.Kind = policy.KindDonation; o.DirectedRegion = "330000" })},
			want:   map[string]int64{"B": 5},
		},
		{
			name: "units one need cannot use go to the others in its tier",
			needs: []policy.Need{
				need("A", "n95-respirator", 1000, func(n *policy.Need) { n.AcceptedStandards = []string{"GB 19083", "GB 2626"} }),
				need("B", "n95-respirator", 1000),
			},
			offers: []policy.Offer{
				offer("K", "n95-respirator", 1000, func(o *policy.Offer) { o.Standard = "GB 2626" }),
				offer("M", "n95-respirator", 500),
			},
			// Scarce (1500 for 2000): A is offered 760 and B 740 by
			// proportion, A's nearest (K, id order) gives it 760; B takes
			// M's 500; A then takes what K has left.
			want: map[string]int64{"A": 1000, "B": 500},
		},
		{
			name:   "overdue needs come first within their class",
			needs:  []policy.Need{need("A", "ventilator", 5, func(n *policy.Need) { n.NeededBy = "2026-03-20" }), need("B", "ventilator", 5, func(n *policy.Need) { n.NeededBy = "2026-02-20" })},
			offers: []policy.Offer{offer("X", "ventilator", 5)},
			want:   map[string]int64{"B": 5},
		},
		{
			name:   "a source the need excludes serves others",
			needs:  []policy.Need{need("A", "ventilator", 5, func(n *policy.Need) { n.Excluded = []string{"X"} }), need("B", "ventilator", 5)},
			offers: []policy.Offer{offer("X", "ventilator", 5), offer("Y", "ventilator", 3, func(o *policy.Offer) { o.Region = "110000" })},
			want:   map[string]int64{"A": 3, "B": 5},
		},
		{
			name:   "other items' offers never serve a need",
			needs:  []policy.Need{need("A", "ventilator", 5)},
			offers: []policy.Offer{offer("X", "surgical-mask", 500)},
			want:   map[string]int64{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ds := policy.Match(tt.needs, tt.offers, today)
			if err := policy.Check(tt.needs, tt.offers, ds); err != nil {
				t.Fatal(err)
			}
			got := byNeed(ds)
			for id := range got {
				if got[id] == 0 {
					delete(got, id)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("got %v, want %v\n%+v", got, tt.want, ds)
			}
		})
	}
}

func TestReasonsNameTheRules(t *testing.T) {
	ds := policy.Match(
		[]policy.Need{need("A", "ventilator", 12, func(n *policy.Need) { n.FacilityType = "designated" }), need("B", "ventilator", 6, func(n *policy.Need) { n.FacilityType = "designated" })},
		[]policy.Offer{offer("X", "ventilator", 9)}, today)
	if len(ds) != 2 {
		t.Fatalf("decisions %+v", ds)
	}
	for _, d := range ds {
		if d.Rule != policy.RuleProportional {
			t.Errorf("%s: rule %q, want proportional", d.NeedID, d.Rule)
		}
		for _, part := range []string{"urgency high", "frontline facility", "needed-by window 2026-03-04..2026-03-06", "standard GB 9706.212", "0 km", "in proportion"} {
			if !strings.Contains(d.Reason, part) {
				t.Errorf("%s: reason %q lacks %q", d.NeedID, d.Reason, part)
			}
		}
	}
}

func TestInRegion(t *testing.T) {
	tests := []struct {
		r, area string
		want    bool
	}{
		{"420100", "420100", true},
		{"420100", "420000", true},
		{"420102", "420100", true},
		{"420100", "330000", false},
		{"420200", "420100", false},
		{"420100", "420101", false},
		{"", "420000", false},
	}
	for _, tt := range tests {
		if got := policy.InRegion(tt.r, tt.area); got != tt.want {
			t.Errorf("InRegion(%q, %q) = %v, want %v", tt.r, tt.area, got, tt.want)
		}
	}
}

func TestCheckCatchesViolations(t *testing.T) {
	needs := []policy.Need{need("A", "n95-respirator", 100), need("S", "n95-respirator", 100, func(n *policy.Need) { n.Stale = true }),
		need("E", "n95-respirator", 100, func(n *policy.Need) { n.Excluded = []string{"X"} })}
	offers := []policy.Offer{offer("X", "n95-respirator", 60), offer("K", "n95-respirator", 60, func(o *policy.Offer) { o.Standard = "GB 2626" }),
		offer("D", "n95-respirator", 60, func(o *policy.Offer) { o.DirectedHospitalID = "hZ" })}
	tests := []struct {
		name string
		ds   []policy.Decision
	}{
		{"source over-allocated", []policy.Decision{{NeedID: "A", OfferID: "X", Quantity: 61}}},
		{"need over-served", []policy.Decision{{NeedID: "A", OfferID: "X", Quantity: 60}, {NeedID: "A", OfferID: "X", Quantity: 60}}},
		{"wrong standard", []policy.Decision{{NeedID: "A", OfferID: "K", Quantity: 20}}},
		{"directed elsewhere", []policy.Decision{{NeedID: "A", OfferID: "D", Quantity: 20}}},
		{"stale need", []policy.Decision{{NeedID: "S", OfferID: "X", Quantity: 20}}},
		{"zero quantity", []policy.Decision{{NeedID: "A", OfferID: "X", Quantity: 0}}},
		{"unknown need", []policy.Decision{{NeedID: "Q", OfferID: "X", Quantity: 20}}},
		{"unknown offer", []policy.Decision{{NeedID: "A", OfferID: "Q", Quantity: 20}}},
		{"excluded source", []policy.Decision{{NeedID: "E", OfferID: "X", Quantity: 20}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := policy.Check(needs, offers, tt.ds); !errors.Is(err, policy.ErrInvariant) {
				t.Fatalf("Check = %v, want an invariant violation", err)
			}
		})
	}
	if err := policy.Check(needs, offers, []policy.Decision{{NeedID: "A", OfferID: "X", Quantity: 60}}); err != nil {
		t.Fatalf("a valid decision refused: %v", err)
	}
}

// randomMarket is a small market of the three test items over five
// regions: stale needs, wider standards, exclusions, lead times, directed
// donations.
func randomMarket(r *rand.Rand) ([]policy.Need, []policy.Offer) {
	items := []string{"n95-respirator", "ventilator", "surgical-mask"}
	regionsList := []string{"420100", "330100", "110000", "440300", "420000"}
	urg := []string{policy.Critical, policy.High, policy.Normal}
	fts := []string{"designated", "fever_clinic", "general", "community"}
	var needs []policy.Need
	for i := range r.IntN(12) {
		item := items[r.IntN(len(items))]
		needs = append(needs, need(fmt.Sprintf("n%02d", i), item, int64(1+r.IntN(400)), func(n *policy.Need) {
			n.HospitalID = fmt.Sprintf("h%d", r.IntN(4))
			n.Region = regionsList[r.IntN(len(regionsList))]
			n.Urgency = urg[r.IntN(3)]
			n.FacilityType = fts[r.IntN(4)]
			n.NeededBy = today.AddDate(0, 0, r.IntN(15)-3).Format(time.DateOnly)
			n.Stale = r.IntN(10) == 0
			if item == "n95-respirator" && r.IntN(2) == 0 {
				n.AcceptedStandards = []string{"GB 19083", "GB 2626"}
			}
			if r.IntN(5) == 0 {
				n.Excluded = []string{"o00"}
			}
		}))
	}
	var offers []policy.Offer
	for i := range r.IntN(6) {
		item := items[r.IntN(len(items))]
		offers = append(offers, offer(fmt.Sprintf("o%02d", i), item, int64(r.IntN(600)), func(o *policy.Offer) {
			o.Region = regionsList[r.IntN(len(regionsList))]
			o.LeadTimeDays = r.IntN(4)
			if item == "n95-respirator" && r.IntN(3) == 0 {
				o.Standard = "GB 2626"
			}
			if r.IntN(4) == 0 {
				o.Kind = policy.KindDonation
				o.DirectedHospitalID = fmt.Sprintf("h%d", r.IntN(4))
			}
		}))
	}
	return needs, offers
}

// TestRandomMarkets checks, on random markets, that the invariants hold,
// that the input order does not matter, and that no supply is left unused
// while a need it could serve still lacks a pack or more.
func TestRandomMarkets(t *testing.T) {
	for seed := range uint64(200) {
		r := rand.New(rand.NewPCG(seed, 7))
		needs, offers := randomMarket(r)
		ds := policy.Match(needs, offers, today)
		if err := policy.Check(needs, offers, ds); err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		shuffledNeeds, shuffledOffers := slices.Clone(needs), slices.Clone(offers)
		r.Shuffle(len(shuffledNeeds), func(i, j int) { shuffledNeeds[i], shuffledNeeds[j] = shuffledNeeds[j], shuffledNeeds[i] })
		r.Shuffle(len(shuffledOffers), func(i, j int) { shuffledOffers[i], shuffledOffers[j] = shuffledOffers[j], shuffledOffers[i] })
		if again := policy.Match(shuffledNeeds, shuffledOffers, today); !slices.Equal(ds, again) {
			t.Fatalf("seed %d: input order changed the decisions:\n%+v\n%+v", seed, ds, again)
		}
		ns, os := map[string]policy.Need{}, map[string]policy.Offer{}
		for _, n := range needs {
			ns[n.ID] = n
		}
		for _, o := range offers {
			os[o.ID] = o
		}
		for _, d := range ds {
			if !policy.CanArrive(ns[d.NeedID], os[d.OfferID], today) {
				t.Fatalf("seed %d: %s cannot reach %s by %s: %+v", seed, d.OfferID, d.NeedID, ns[d.NeedID].NeededBy, d)
			}
		}
		// Nothing idle: no eligible (need, offer) pair where the need still
		// lacks units and the source still has some (the last units of
		// either may always go, whole packs or not).
		gotN, gotO := byNeed(ds), map[string]int64{}
		for _, d := range ds {
			gotO[d.OfferID] += d.Quantity
		}
		for _, n := range needs {
			for _, o := range offers {
				nl, ol := n.Remaining-gotN[n.ID], o.Remaining-gotO[o.ID]
				if !n.Stale && policy.Eligible(n, o) && policy.CanArrive(n, o, today) && nl > 0 && ol > 0 {
					t.Fatalf("seed %d: need %s still lacks %d and offer %s still has %d\n%+v", seed, n.ID, nl, o.ID, ol, ds)
				}
			}
		}
	}
}
