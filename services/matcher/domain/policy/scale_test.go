package policy_test

import (
	"fmt"
	"math/rand/v2"
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
func BenchmarkFullResolve(b *testing.B) {
	needs, offers := catalogMarket(100_000, 10_000, 1)
	b.ResetTimer()
	for b.Loop() {
		policy.Match(needs, offers, today)
	}
}
