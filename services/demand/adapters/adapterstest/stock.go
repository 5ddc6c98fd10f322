package adapterstest

import (
	"context"
	"testing"
	"time"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/demand/domain"
	"github.com/aidflow/aidflow/shared/apperr"
)

// RunStockSuite checks a stock repository made fresh by newRepo for each test.
func RunStockSuite(t *testing.T, newRepo func(t *testing.T) domain.StockRepository) {
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Millisecond)
	report := func(t *testing.T, hospital, item, onHand, daily string, at time.Time) domain.StockReport {
		t.Helper()
		s, err := domain.NewStockReport(domain.StockReportInput{Item: item, OnHand: onHand, DailyConsumption: daily},
			domain.Poster{HospitalID: hospital, Region: "420100"}, at)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	ev := func(s domain.StockReport) events.Envelope {
		return events.MustNew("demand", s.Event(), events.Meta{Subject: s.ID(), OrgID: s.HospitalID, Item: s.Item})
	}

	t.Run("put then get; a second put replaces", func(t *testing.T) {
		r := newRepo(t)
		first := report(t, "org_a", "n95-respirator", "1000", "100", now)
		if err := r.Put(ctx, first, ev(first)); err != nil {
			t.Fatal(err)
		}
		got, err := r.Get(ctx, "org_a", "n95-respirator")
		if err != nil || got != first {
			t.Fatalf("get = %+v, %v; want %+v", got, err, first)
		}
		second := report(t, "org_a", "n95-respirator", "150", "100", now.Add(time.Hour))
		if err := r.Put(ctx, second, ev(second)); err != nil {
			t.Fatal(err)
		}
		if got, _ := r.Get(ctx, "org_a", "n95-respirator"); got != second || got.DaysOfSupply != 1.5 {
			t.Errorf("after replace = %+v, want %+v", got, second)
		}
	})

	t.Run("get unknown", func(t *testing.T) {
		if _, err := newRepo(t).Get(ctx, "org_a", "goggles"); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("err = %v", err)
		}
	})

	t.Run("all holds one report per hospital and item", func(t *testing.T) {
		r := newRepo(t)
		for _, s := range []domain.StockReport{
			report(t, "org_a", "goggles", "1", "1", now),
			report(t, "org_a", "goggles", "2", "1", now),
			report(t, "org_a", "ventilator", "3", "1", now),
			report(t, "org_b", "goggles", "4", "1", now),
		} {
			if err := r.Put(ctx, s); err != nil {
				t.Fatal(err)
			}
		}
		got := map[string]int64{}
		if err := r.All(ctx, func(s domain.StockReport) error { got[s.ID()] = s.OnHand; return nil }); err != nil {
			t.Fatal(err)
		}
		want := map[string]int64{"org_a/goggles": 2, "org_a/ventilator": 3, "org_b/goggles": 4}
		if len(got) != len(want) {
			t.Fatalf("all = %v, want %v", got, want)
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("all[%s] = %d, want %d", k, got[k], v)
			}
		}
	})
}
