//go:build unix

package app_test

import (
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/aidflow/aidflow/contracts/catalog"
	"github.com/aidflow/aidflow/contracts/regions"
	"github.com/aidflow/aidflow/services/demand/adapters/memory"
	"github.com/aidflow/aidflow/services/demand/app"
	"github.com/aidflow/aidflow/services/demand/domain"
	"github.com/aidflow/aidflow/shared/daily"
)

// BenchmarkDailyNeeds100k answers GET /v1/needs/daily's use case over
// 100,000 needs (every catalog item, every province, posted over the last
// month, each with a few day figures), for the default 7 days and for 31.
func BenchmarkDailyNeeds100k(b *testing.B) {
	a := app.New(memory.NewNeeds(), memory.NewStockReports())
	a.Now = (&clock{start}).now
	items, provinces := catalog.Codes(), regions.Provinces()
	needs := make([]domain.Need, 100_000)
	for i := range needs {
		posted := start.Add(-time.Duration(i%(30*24)) * time.Hour)
		n := domain.Need{ID: fmt.Sprintf("need_%06d", i), HospitalID: fmt.Sprintf("org_h%04d", i%5000),
			Item: items[i%len(items)], Region: provinces[i%len(provinces)].Code, Quantity: 100, CreatedAt: posted, UpdatedAt: posted}
		// Posted, then partly allocated a day later, then for a third of
		// them fulfilled two days after that.
		n.Days = []domain.DayFigure{
			{Date: daily.Day(posted), Status: domain.StatusOpen, Quantity: 100, Unallocated: 100, Posted: true},
			{Date: daily.Day(posted.Add(24 * time.Hour)), Status: domain.StatusPartiallyAllocated, Quantity: 100, Unallocated: 40},
		}
		if i%3 == 0 {
			n.Days = append(n.Days, domain.DayFigure{Date: daily.Day(posted.Add(72 * time.Hour)), Status: domain.StatusFulfilled,
				Quantity: 100, Delivered: 100, DeliveredToday: 100})
		}
		needs[i] = n
	}
	a.Index.Reset(needs)
	for _, days := range []int{7, 31} {
		b.Run(fmt.Sprintf("days=%d", days), func(b *testing.B) {
			var rows int
			cpu := cpuTime()
			for b.Loop() {
				got, err := a.DailyNeeds(regulator, days, "", "")
				if err != nil {
					b.Fatal(err)
				}
				rows = len(got)
			}
			b.ReportMetric(float64(rows), "rows")
			// The process's CPU time per answer: on a shared machine the
			// wall time (ns/op) also counts waiting for a core.
			b.ReportMetric(float64((cpuTime()-cpu).Milliseconds())/float64(b.N), "cpu-ms/op")
		})
	}
}

// cpuTime is the CPU time this process used so far, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
