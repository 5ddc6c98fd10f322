package policy_test

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/aidflow/aidflow/contracts/catalog"
	"github.com/aidflow/aidflow/contracts/regions"
	"github.com/aidflow/aidflow/services/matcher/domain/policy"
)

// catalogMarket builds a scarce market across the whole catalog: needs
// from every region, urgency and facility type, due within two weeks,
// some short of stock; offers of every standard, a tenth directed
// donations, lead times up to 3 days. Supply is about a third of demand.
func catalogMarket(nNeeds, nOffers int, seed uint64) ([]policy.Need, []policy.Offer) {
	r := rand.New(rand.NewPCG(seed, 42))
	items := catalog.Items()
	var regs []string
	for _, rg := range regions.All() {
		regs = append(regs, rg.Code)
	}
	urg := []string{policy.Critical, policy.High, policy.Normal}
	fts := []string{"designated", "fever_clinic", "general", "community"}
	needs := make([]policy.Need, nNeeds)
	nHosp := nNeeds/5 + 1
	for i := range needs {
		it := items[r.IntN(len(items))]
		pack := max(it.PackSize, 1)
		needs[i] = policy.Need{
			ID: fmt.Sprintf("n%06d", i), HospitalID: fmt.Sprintf("h%05d", r.IntN(nHosp)), Item: it.Code,
			Region: regs[r.IntN(len(regs))], FacilityType: fts[r.IntN(len(fts))], Urgency: urg[r.IntN(len(urg))],
			NeededBy:          today.AddDate(0, 0, r.IntN(15)-1).Format(time.DateOnly),
			AcceptedStandards: it.DefaultAcceptedStandards, Remaining: pack * int64(1+r.IntN(30)),
		}
		if r.IntN(10) == 0 {
			needs[i].HasStock, needs[i].StockOnHand, needs[i].DailyConsumption = true, int64(r.IntN(500)), int64(1+r.IntN(100))
		}
	}
	offers := make([]policy.Offer, nOffers)
	for i := range offers {
		it := items[r.IntN(len(items))]
		pack := max(it.PackSize, 1)
		std := it.DefaultStandard()
		if len(it.Standards) > 0 {
			std = it.Standards[r.IntN(len(it.Standards))]
		}
		offers[i] = policy.Offer{
			ID: fmt.Sprintf("o%05d", i), Kind: policy.KindCapacity, OrgID: fmt.Sprintf("m%04d", r.IntN(nOffers/3+1)), Item: it.Code,
			Region: regs[r.IntN(len(regs))], Standard: std, Remaining: pack * int64(r.IntN(100)), LeadTimeDays: r.IntN(4),
		}
		if i%10 == 0 {
			offers[i].Kind, offers[i].LeadTimeDays = policy.KindDonation, 0
			offers[i].DirectedHospitalID = fmt.Sprintf("h%05d", r.IntN(nHosp))
		}
	}
	return needs, offers
}

// BenchmarkFullResolve is every item's market re-solved at once: 100,000
// open needs against 10,000 offers across the catalog. Run with -cpu 1
// (the policy is single-threaded anyway).
//
// It also reports cpu-ms/op, the process's CPU time per run: on a shared
// machine the wall time includes waiting for the core, the CPU time not.
func BenchmarkFullResolve(b *testing.B) {
	needs, offers := catalogMarket(100_000, 10_000, 1)
	start := cpuTime()
	n := 0
	for b.Loop() {
		policy.Match(needs, offers, today)
		n++
	}
	b.ReportMetric(float64((cpuTime()-start).Milliseconds())/float64(n), "cpu-ms/op")
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// fcfs is the plain first-come-first-served greedy the policy is compared
// with: needs in the order they were posted (their ids here), each taking
// all it can from the nearest sources that may serve it and arrive in
// time. Same eligibility as the policy; no tiers, no sharing.
func fcfs(needs []policy.Need, offers []policy.Offer, today time.Time) []policy.Decision {
	left := map[string]int64{}
	byItem := map[string][]policy.Offer{}
	for _, o := range offers {
		left[o.ID] = o.Remaining
		byItem[o.Item] = append(byItem[o.Item], o)
	}
	ordered := slices.Clone(needs)
	slices.SortFunc(ordered, func(a, b policy.Need) int { return cmp.Compare(a.ID, b.ID) })
	var out []policy.Decision
	for _, n := range ordered {
		if n.Cancelled || n.Stale {
			continue
		}
		var cands []policy.Offer
		for _, o := range byItem[n.Item] {
			if left[o.ID] > 0 && policy.Eligible(n, o) && policy.CanArrive(n, o, today) {
				cands = append(cands, o)
			}
		}
		dist := func(o policy.Offer) float64 { d, _ := regions.DistanceKm(n.Region, o.Region); return d }
		slices.SortFunc(cands, func(a, b policy.Offer) int { return cmp.Or(cmp.Compare(dist(a), dist(b)), cmp.Compare(a.ID, b.ID)) })
		want := n.Remaining
		for _, o := range cands {
			q := min(want, left[o.ID])
			if q <= 0 {
				continue
			}
			left[o.ID] -= q
			want -= q
			out = append(out, policy.Decision{NeedID: n.ID, OfferID: o.ID, Quantity: q})
		}
	}
	return out
}

// fairness measures what a set of decisions did for the needs that are
// critical (as stated, or raised by their days of supply).
type fairness struct {
	criticalNothing float64 // share of critical needs given nothing
	criticalMet     float64 // share of critical units given
	allNothing      float64 // share of all open needs given nothing
}

func measure(needs []policy.Need, ds []policy.Decision) fairness {
	got := byNeed(ds)
	var crit, critNothing, all, allNothing int
	var critWant, critGot int64
	for _, n := range needs {
		if n.Stale || n.Cancelled || n.Remaining <= 0 {
			continue
		}
		all++
		if got[n.ID] == 0 {
			allNothing++
		}
		if n.Urgency == policy.Critical || policy.ShortOfStock(n) {
			crit++
			critWant += n.Remaining
			critGot += got[n.ID]
			if got[n.ID] == 0 {
				critNothing++
			}
		}
	}
	return fairness{
		criticalNothing: 100 * float64(critNothing) / float64(max(crit, 1)),
		criticalMet:     100 * float64(critGot) / float64(max(critWant, 1)),
		allNothing:      100 * float64(allNothing) / float64(max(all, 1)),
	}
}

// TestPolicyFairerThanFirstComeFirstServed: on the same scarce market, the
// policy leaves a smaller share of critical needs with nothing, and meets
// more of their demand, than first come, first served; both keep the
// invariants.
func TestPolicyFairerThanFirstComeFirstServed(t *testing.T) {
	needs, offers := catalogMarket(2000, 200, 3)
	pol, greedy := policy.Match(needs, offers, today), fcfs(needs, offers, today)
	for _, ds := range [][]policy.Decision{pol, greedy} {
		if err := policy.Check(needs, offers, ds); err != nil {
			t.Fatal(err)
		}
	}
	p, g := measure(needs, pol), measure(needs, greedy)
	if p.criticalNothing >= g.criticalNothing || p.criticalMet <= g.criticalMet {
		t.Fatalf("policy %+v is not fairer to critical needs than first come, first served %+v", p, g)
	}
}

// BenchmarkFairness reports, for the policy and first come, first served
// on the same market (10,000 needs, 1,000 offers), the share of critical
// needs left with nothing, the share of critical demand met and the share
// of all needs left with nothing, as metrics (percent).
func BenchmarkFairness(b *testing.B) {
	needs, offers := catalogMarket(10_000, 1_000, 1)
	for _, c := range []struct {
		name  string
		solve func([]policy.Need, []policy.Offer, time.Time) []policy.Decision
	}{{"policy", policy.Match}, {"fcfs", fcfs}} {
		b.Run(c.name, func(b *testing.B) {
			var ds []policy.Decision
			for b.Loop() {
				ds = c.solve(needs, offers, today)
			}
			f := measure(needs, ds)
			b.ReportMetric(f.criticalNothing, "%crit-nothing")
			b.ReportMetric(f.criticalMet, "%crit-met")
			b.ReportMetric(f.allNothing, "%all-nothing")
		})
	}
}
