package app_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/audit/domain"
)

// The 1,000,000-event benchmarks use the in-memory store (memory.Log):
// appending a million records to the embedded FerretDB would take well
// over an hour at its 4–5 ms an append
// (see adapters' BenchmarkMongoAppend for the per-append cost there).
// Run: go test ./app -run '^$' -bench 1M -benchtime 1x -timeout 30m
const million = 1_000_000

func benchEvent(i int) events.Envelope {
	id := fmt.Sprintf("need_%07d", i)
	return events.MustNew("demand", events.NeedPosted{NeedID: id, HospitalID: fmt.Sprintf("org_h%d", i%500), Item: "n95-respirator", Quantity: int64(1 + i%1000),
		Urgency: "high", NeededBy: "2026-03-08", AcceptedStandards: []string{"GB 19083"}, Region: "420100"},
		events.Meta{Subject: id, OrgID: fmt.Sprintf("org_h%d", i%500), Item: "n95-respirator", Time: t0.Add(time.Duration(i) * time.Second)})
}

var big struct {
	once sync.Once
	f    *fixture
	ids  []string
	took time.Duration
}

// bigLog appends a million events once, with checkpoints at 500,000 and
// 1,000,000, and keeps it for the proof benchmarks.
func bigLog(b *testing.B) *fixture {
	big.once.Do(func() {
		ctx := context.Background()
		f := newFixture(b)
		evs := make([]events.Envelope, million)
		for i := range evs {
			evs[i] = benchEvent(i)
			big.ids = append(big.ids, evs[i].ID)
		}
		start := time.Now()
		for i, e := range evs {
			if _, _, err := f.app.Append(ctx, e); err != nil {
				b.Fatal(err)
			}
			if i+1 == million/2 {
				if _, err := f.app.SignCheckpoint(ctx); err != nil {
					b.Fatal(err)
				}
			}
		}
		big.took = time.Since(start)
		if _, err := f.app.SignCheckpoint(ctx); err != nil {
			b.Fatal(err)
		}
		big.f = f
	})
	if big.f == nil {
		b.Fatal("building the log failed")
	}
	return big.f
}

// BenchmarkAppend1M appends a million events to an empty log; the
// appends/s metric is the append rate over the whole million.
func BenchmarkAppend1M(b *testing.B) {
	for b.Loop() {
		big.once = sync.Once{}
		big.f, big.ids = nil, nil
		bigLog(b)
	}
	b.ReportMetric(float64(million)/big.took.Seconds(), "appends/s")
	b.ReportMetric(float64(big.took.Nanoseconds())/million, "ns/append")
}

// BenchmarkAppendAt1M is the cost of one more append to a million-record
// log (the tree is log₂ n deep: reads and writes about 20 hashes).
func BenchmarkAppendAt1M(b *testing.B) {
	f := bigLog(b)
	ctx := context.Background()
	evs := make([]events.Envelope, b.N)
	for i := range evs {
		evs[i] = benchEvent(million + i)
	}
	b.ResetTimer()
	for i := range b.N {
		if _, _, err := f.app.Append(ctx, evs[i]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkProveInclusion1M proves records of the million-record log
// against the checkpoint of size 1,000,000, by event id.
func BenchmarkProveInclusion1M(b *testing.B) {
	f := bigLog(b)
	ctx := context.Background()
	cp, err := f.cps.Get(ctx, million)
	if err != nil {
		b.Fatal(err)
	}
	i := 0
	for b.Loop() {
		p, err := f.app.ProveInclusionOf(ctx, big.ids[(i*7919)%million], million)
		if err != nil {
			b.Fatal(err)
		}
		if i == 0 && tlog.CheckRecord(p.Proof, million, cp.Root, p.Index, tlog.RecordHash(p.Record)) != nil {
			b.Fatal("the proof does not check")
		}
		i++
	}
}

// BenchmarkProveConsistency1M proves the log of 500,000 records a prefix
// of the log of 1,000,000.
func BenchmarkProveConsistency1M(b *testing.B) {
	f := bigLog(b)
	ctx := context.Background()
	for b.Loop() {
		c, err := f.app.ProveConsistency(ctx, million/2, million)
		if err != nil || c.FromCheckpoint == nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyLog1M recomputes and checks the whole million-record log
// (GET /v1/audit/verify) from the in-memory store.
func BenchmarkVerifyLog1M(b *testing.B) {
	f := bigLog(b)
	ctx := context.Background()
	for b.Loop() {
		v, err := f.app.VerifyLog(ctx)
		if err != nil || !v.OK || v.Size < million {
			b.Fatalf("%+v, %v", v, err)
		}
	}
}

// BenchmarkListRareFilter1M is a regulator query whose only match is the
// last record: the index is scanned in full.
func BenchmarkListRareFilter1M(b *testing.B) {
	f := bigLog(b)
	ctx := context.Background()
	for b.Loop() {
		got, _, err := f.app.ListEvents(ctx, domain.Query{Party: "org_h499", Since: t0.Add((million - 600) * time.Second), After: -1, Limit: 50})
		if err != nil || len(got) == 0 {
			b.Fatal(err)
		}
	}
}
