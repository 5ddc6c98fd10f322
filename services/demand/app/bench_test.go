package app_test

import (
	"context"
	"testing"

	"github.com/aidflow/aidflow/services/demand/adapters/memory"
	"github.com/aidflow/aidflow/services/demand/app"
	"github.com/aidflow/aidflow/services/demand/domain"
)

// BenchmarkImport500 imports a full file (500 rows, anti-hoarding on) on
// the in-memory store: the service's own cost of an import, without the
// database writes.
func BenchmarkImport500(b *testing.B) {
	rows := make([]domain.ImportRow, 500)
	for i := range rows {
		rows[i] = domain.ImportRow{Line: i + 2, Input: input("goggles", "1")}
	}
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		a := app.New(memory.NewNeeds(), memory.NewStockReports())
		a.Now = (&clock{start}).now
		if _, err := a.ReportStock(ctx, hospitalA, stockIn("goggles", "0", "100")); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := a.ImportNeeds(ctx, hospitalA, "", rows); err != nil {
			b.Fatal(err)
		}
	}
}
