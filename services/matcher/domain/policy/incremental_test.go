package policy_test

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/aidflow/aidflow/services/matcher/domain/policy"
)

// TestOnlyPairsThatCanServeDecide: over random markets, Match decides
// nothing exactly when no (need, offer) pair can serve (CanServe), and
// Match over only the needs and offers in such pairs decides exactly what
// it decides over the whole market. The matcher's incremental runs rest
// on both (and on Reach, which answers MayServe for many needs).
func TestOnlyPairsThatCanServeDecide(t *testing.T) {
	for seed := range uint64(300) {
		r := rand.New(rand.NewPCG(seed, 13))
		needs, offers := randomMarket(r)
		day := today.AddDate(0, 0, r.IntN(5)-2)
		var inNeeds []policy.Need
		var inOffers []policy.Offer
		for _, n := range needs {
			if slices.ContainsFunc(offers, func(o policy.Offer) bool { return policy.CanServe(n, o, day) }) {
				inNeeds = append(inNeeds, n)
			}
		}
		for _, o := range offers {
			if slices.ContainsFunc(needs, func(n policy.Need) bool { return policy.CanServe(n, o, day) }) {
				inOffers = append(inOffers, o)
			}
		}
		for _, o := range offers {
			reach := policy.NewReach(o, day)
			for _, n := range needs {
				if reach.MayServe(n) != policy.MayServe(n, o, day) {
					t.Fatalf("seed %d: Reach and MayServe disagree on %s for %s", seed, o.ID, n.ID)
				}
			}
		}
		all := policy.Match(needs, offers, day)
		if (len(all) == 0) != (len(inNeeds) == 0) {
			t.Fatalf("seed %d: %d needs can be served, yet %d decisions", seed, len(inNeeds), len(all))
		}
		if part := policy.Match(inNeeds, inOffers, day); !slices.Equal(part, all) {
			t.Fatalf("seed %d: the pairs that can serve decide\n%+v\nthe whole market\n%+v", seed, part, all)
		}
	}
}

// TestRanksAreServedInOrder: for one item, Match over the needs of the
// first ranks only decides the first decisions of Match over all of them, and Order sorts
// needs as their ranks on any day, with the same rank for the same Order.
func TestRanksAreServedInOrder(t *testing.T) {
	for seed := range uint64(300) {
		r := rand.New(rand.NewPCG(seed, 17))
		needs, offers := randomMarket(r)
		// One item, as the matcher runs Match: items are decided one
		// after another, in item order.
		item := "n95-respirator"
		needs = slices.DeleteFunc(needs, func(n policy.Need) bool { return n.Item != item })
		offers = slices.DeleteFunc(offers, func(o policy.Offer) bool { return o.Item != item })
		for i := range needs {
			switch r.IntN(8) {
			case 0:
				needs[i].NeededBy = "" // undated
			case 1:
				needs[i].HasStock, needs[i].StockOnHand, needs[i].DailyConsumption = true, int64(r.IntN(20)), int64(r.IntN(5))
			}
		}
		day := today.AddDate(0, 0, r.IntN(9)-4)
		for _, a := range needs {
			if got, want := policy.OrderOf(a).RankOn(day), policy.RankOf(a, day); got.Compare(want) != 0 {
				t.Fatalf("seed %d: need %s ranks %+v by its Order, %+v by itself", seed, a.ID, got, want)
			}
			for _, b := range needs {
				if policy.OrderOf(a).Compare(policy.OrderOf(b)) < 0 && policy.RankOf(a, day).Compare(policy.RankOf(b, day)) > 0 {
					t.Fatalf("seed %d: %s is ordered before %s but ranks after it on %s", seed, a.ID, b.ID, day.Format(time.DateOnly))
				}
			}
		}
		all := policy.Match(needs, offers, day)
		for _, cut := range needs {
			rank := policy.RankOf(cut, day)
			var first []policy.Need
			for _, n := range needs {
				if policy.RankOf(n, day).Compare(rank) <= 0 {
					first = append(first, n)
				}
			}
			part := policy.Match(first, offers, day)
			if len(part) > len(all) || !slices.Equal(part, all[:len(part)]) {
				t.Fatalf("seed %d: the ranks up to %s's decide\n%+v\nall of them\n%+v", seed, cut.ID, part, all)
			}
		}
	}
}
