package app_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/aidflow/aidflow/contracts/catalog"
	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/contracts/regions"
	"github.com/aidflow/aidflow/services/matcher/adapters/memory"
	"github.com/aidflow/aidflow/services/matcher/app"
	"github.com/aidflow/aidflow/services/matcher/domain"
	"github.com/aidflow/aidflow/services/matcher/domain/policy"
)

// storeMarket fills a repository with nNeeds open needs and nOffers
// capacity reports spread over the catalog and the regions, as a matcher
// would hold them after a busy day.
func storeMarket(tb testing.TB, repo *memory.Repository, nNeeds, nOffers int) {
	tb.Helper()
	ctx := context.Background()
	r := rand.New(rand.NewPCG(1, 9))
	items := catalog.Items()
	var regs []string
	for _, rg := range regions.All() {
		regs = append(regs, rg.Code)
	}
	urg := []string{policy.Critical, policy.High, policy.Normal}
	fts := []string{"designated", "fever_clinic", "general", "community"}
	nHosp := nNeeds/5 + 1
	for i := range nHosp {
		if err := repo.SaveHospital(ctx, domain.Hospital{ID: fmt.Sprintf("h%05d", i), Region: regs[r.IntN(len(regs))], FacilityType: fts[r.IntN(4)]}, domain.Input{}); err != nil {
			tb.Fatal(err)
		}
	}
	for i := range nNeeds {
		it := items[r.IntN(len(items))]
		n := domain.Need{ID: fmt.Sprintf("need_%06d", i), HospitalID: fmt.Sprintf("h%05d", r.IntN(nHosp)), Item: it.Code,
			Region: regs[r.IntN(len(regs))], Quantity: max(it.PackSize, 1) * int64(1+r.IntN(30)), Urgency: urg[r.IntN(3)],
			NeededBy: t0.AddDate(0, 0, r.IntN(15)).Format(time.DateOnly), AcceptedStandards: it.DefaultAcceptedStandards, Status: domain.NeedOpen}
		if err := repo.SaveNeed(ctx, n, domain.Input{}); err != nil {
			tb.Fatal(err)
		}
	}
	for i := range nOffers {
		it := items[r.IntN(len(items))]
		o := domain.Offer{ID: fmt.Sprintf("cap_%05d", i), Kind: policy.KindCapacity, OrgID: fmt.Sprintf("m%04d", i/3), Item: it.Code,
			Region: regs[r.IntN(len(regs))], Standard: it.Standards[r.IntN(len(it.Standards))],
			AvailableNow: max(it.PackSize, 1) * int64(r.IntN(100)), LeadTimeDays: r.IntN(4), Revision: 1, ReportID: fmt.Sprintf("evt_r%05d", i)}
		if err := repo.SaveOffer(ctx, o, domain.Input{}); err != nil {
			tb.Fatal(err)
		}
	}
}

// BenchmarkIncremental is the latency of one event's decision at steady
// state: 100,000 open needs and 10,000 capacity reports over the catalog,
// every item already matched once; then each iteration is one event and
// the run for its item (memory repository: the policy and the book, not
// the store's writes). The events vary as real ones do (hospital, region,
// urgency, needed-by, lead time) and the clock moves on a millisecond per
// allocation. The whole_item variants run the same events with
// App.WholeItems: every run re-solves the whole item, as before
// incremental runs.
func BenchmarkIncremental(b *testing.B) {
	ctx := context.Background()
	repo := memory.New()
	storeMarket(b, repo, 100_000, 10_000)
	a := app.New(repo, 48*time.Hour)
	now := t0
	a.Now = func() time.Time { now = now.Add(time.Millisecond); return now }
	if err := a.Load(ctx); err != nil {
		b.Fatal(err)
	}
	if err := a.MatchAll(ctx, app.Trigger{EventID: "evt_warm", Time: t0}); err != nil {
		b.Fatal(err)
	}
	item := catalog.Items()[0]
	r := rand.New(rand.NewPCG(2, 7))
	var regs []string
	for _, rg := range regions.All() {
		regs = append(regs, rg.Code)
	}
	seq := 0
	event := func(b *testing.B, post func(trig app.Trigger, id string) error) {
		runtime.GC() // the setup's garbage is not this event's cost
		i, start := 0, cpuTime()
		defer func() { b.ReportMetric(float64((cpuTime()-start).Microseconds())/float64(max(i, 1)), "cpu-µs/op") }()
		for b.Loop() {
			i++
			seq++
			if err := post(app.Trigger{EventID: fmt.Sprintf("evt_b%d", seq), Time: t0}, fmt.Sprintf("b%d", seq)); err != nil {
				b.Fatal(err)
			}
		}
	}
	needPosted := func(trig app.Trigger, id string) error {
		return a.NeedPosted(ctx, trig, events.NeedPosted{
			NeedID: "need_" + id, HospitalID: fmt.Sprintf("h%05d", r.IntN(20_000)), Item: item.Code, Region: regs[r.IntN(len(regs))],
			Quantity: item.PackSize * int64(1+r.IntN(30)), Urgency: []string{"critical", "high", "normal"}[r.IntN(3)],
			NeededBy: t0.AddDate(0, 0, r.IntN(15)).Format(time.DateOnly)})
	}
	capacityReported := func(trig app.Trigger, id string) error {
		return a.CapacityReported(ctx, trig, events.CapacityReported{
			CapacityID: "cap_" + id, ManufacturerID: "mb", Item: item.Code, Region: regs[r.IntN(len(regs))],
			AvailableNow: 10 * item.PackSize, LeadTimeDays: r.IntN(4), Revision: 1})
	}
	for _, whole := range []bool{false, true} {
		prefix := ""
		if whole {
			prefix = "whole_item/"
		}
		a.WholeItems = whole
		b.Run(prefix+"need_posted", func(b *testing.B) { event(b, needPosted) })
		b.Run(prefix+"capacity_reported", func(b *testing.B) { event(b, capacityReported) })
	}
}

// cpuTime is the process's user and system CPU time so far: on a shared
// machine wall time includes waiting for a core.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkMemoryPerNeed reports the heap the book holds per open need
// (with a fifth as many hospitals), as B/need.
func BenchmarkMemoryPerNeed(b *testing.B) {
	const n = 100_000
	repo := memory.New()
	storeMarket(b, repo, n, 0)
	s, err := repo.Load(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	var perNeed float64
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		book := domain.NewBook()
		book.Load(s)
		runtime.GC()
		runtime.ReadMemStats(&after)
		perNeed = float64(after.HeapAlloc-before.HeapAlloc) / n
		runtime.KeepAlive(book)
	}
	b.ReportMetric(perNeed, "B/need")
}
