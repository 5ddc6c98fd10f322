package app_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/contracts/schemas/validator"
	"github.com/aidflow/aidflow/services/demand/adapters/memory"
	"github.com/aidflow/aidflow/services/demand/app"
	"github.com/aidflow/aidflow/services/demand/domain"
	"github.com/aidflow/aidflow/shared/apperr"
)

func stockIn(item, onHand, daily string) domain.StockReportInput {
	return domain.StockReportInput{Item: item, OnHand: onHand, DailyConsumption: daily}
}

func TestReportStock(t *testing.T) {
	v, err := validator.New()
	if err != nil {
		t.Fatal(err)
	}
	a, _, _ := newApp(t)
	stock := a.Stock.(*memory.StockReports)
	ctx := context.Background()
	s, err := a.ReportStock(ctx, hospitalA, stockIn("n95-respirator", "200", "100"))
	if err != nil {
		t.Fatal(err)
	}
	if s.DaysOfSupply != 2 || !s.Critical() {
		t.Errorf("report = %+v", s)
	}
	evs := stock.Events()
	if len(evs) != 1 {
		t.Fatalf("events = %d", len(evs))
	}
	e := evs[0]
	var d events.StockReported
	if err := e.Decode(&d); err != nil {
		t.Fatal(err)
	}
	if e.Type != events.StockReportedType || e.Subject != "org_hosa/n95-respirator" || e.OrgID != "org_hosa" || e.Item != "n95-respirator" ||
		d.DaysOfSupply != 2 || d.OnHand != 200 || d.DailyConsumption != 100 || d.Region != "420100" {
		t.Errorf("event %+v data %+v", e, d)
	}
	raw, _ := json.Marshal(e)
	if err := v.Event(raw); err != nil {
		t.Errorf("stock_reported breaks its schema: %v", err)
	}

	// A new report replaces the old one; a refused one stores nothing.
	if _, err := a.ReportStock(ctx, hospitalA, stockIn("n95-respirator", "1000", "100")); err != nil {
		t.Fatal(err)
	}
	if _, err := a.ReportStock(ctx, hospitalA, stockIn("n95-respirator", "-1", "100")); apperr.CodeOf(err) != apperr.Unprocessable {
		t.Fatalf("negative: %v", err)
	}
	if _, err := a.ReportStock(ctx, hospitalB, stockIn("goggles", "5", "1")); err != nil {
		t.Fatal(err)
	}
	if _, err := a.ReportStock(ctx, hospitalA, stockIn("goggles", "5", "1")); err != nil {
		t.Fatal(err)
	}
	if n := len(stock.Events()); n != 4 {
		t.Errorf("%d events, want 4", n)
	}
	mine, next := a.ListStockReports(viewerOf(hospitalA), "", "", 50)
	if len(mine) != 2 || next != "" || mine[0].Item != "goggles" || mine[1].Item != "n95-respirator" || mine[1].DaysOfSupply != 10 {
		t.Errorf("hospital A sees %+v", mine)
	}
	// A regulator sees every hospital's, in pages that join up.
	var all []string
	after := ""
	for range 5 {
		page, next := a.ListStockReports(regulator, "", after, 1)
		for _, s := range page {
			all = append(all, s.ID())
		}
		if next == "" {
			break
		}
		after = next
	}
	if len(all) != 3 || all[0] != "org_hosa/goggles" || all[2] != "org_hosb/goggles" {
		t.Errorf("regulator pages = %v", all)
	}
	if gog, _ := a.ListStockReports(regulator, "goggles", "", 50); len(gog) != 2 {
		t.Errorf("by item = %+v", gog)
	}

	// Loading from the repository gives the same reports.
	fresh := app.New(memory.NewNeeds(), stock)
	if err := fresh.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if got, ok := fresh.Stocks.Get("org_hosa", "n95-respirator"); !ok || got.OnHand != 1000 {
		t.Errorf("loaded %+v %v", got, ok)
	}
}
