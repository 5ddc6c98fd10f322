package domain_test

import (
	"strings"
	"testing"
	"time"

	"github.com/aidflow/aidflow/services/demand/domain"
	"github.com/aidflow/aidflow/shared/apperr"
)

func TestDaysOfSupply(t *testing.T) {
	tests := []struct {
		onHand, daily int64
		want          float64
		critical      bool
	}{
		{300, 100, 3, false},
		{299, 100, 2.99, true},
		{2999, 1000, 2.99, true}, // rounded down: never lifted over the line
		{0, 10, 0, true},
		{10, 0, domain.MaxDaysOfSupply, false}, // no consumption: the cap
		{0, 0, domain.MaxDaysOfSupply, false},
		{1_000_000_000, 1, domain.MaxDaysOfSupply, false},
		{1000, 3, 333.33, false},
	}
	for _, tt := range tests {
		got := domain.DaysOfSupply(tt.onHand, tt.daily)
		if got != tt.want {
			t.Errorf("DaysOfSupply(%d, %d) = %v, want %v", tt.onHand, tt.daily, got, tt.want)
		}
		if c := (domain.StockReport{DaysOfSupply: got}).Critical(); c != tt.critical {
			t.Errorf("%d/%d critical = %v, want %v", tt.onHand, tt.daily, c, tt.critical)
		}
	}
}

func TestNewStockReport(t *testing.T) {
	now := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
	by := domain.Poster{HospitalID: "org_h", Region: "420100"}
	ok := domain.StockReportInput{Item: "n95-respirator", OnHand: "250", DailyConsumption: "100"}
	s, err := domain.NewStockReport(ok, by, now)
	if err != nil {
		t.Fatal(err)
	}
	if s.ID() != "org_h/n95-respirator" || s.DaysOfSupply != 2.5 || !s.Critical() || s.Region != "420100" || !s.ReportedAt.Equal(now) {
		t.Errorf("report = %+v", s)
	}
	tests := []struct {
		name  string
		in    domain.StockReportInput
		by    domain.Poster
		field string
		says  string
	}{
		{"no item", domain.StockReportInput{OnHand: "1", DailyConsumption: "1"}, by, "item", "is required"},
		{"unknown item", domain.StockReportInput{Item: "n96", OnHand: "1", DailyConsumption: "1"}, by, "item", "not a catalog item"},
		{"no on_hand", domain.StockReportInput{Item: "goggles", DailyConsumption: "1"}, by, "on_hand", "is required"},
		{"fraction", domain.StockReportInput{Item: "goggles", OnHand: "1.5", DailyConsumption: "1"}, by, "on_hand", "whole number"},
		{"quoted", domain.StockReportInput{Item: "goggles", OnHand: `"12"`, DailyConsumption: "1"}, by, "on_hand", "digits"},
		{"negative", domain.StockReportInput{Item: "goggles", OnHand: "1", DailyConsumption: "-1"}, by, "daily_consumption", "not be negative"},
		{"too large", domain.StockReportInput{Item: "goggles", OnHand: "1000000001", DailyConsumption: "1"}, by, "on_hand", "at most 1000000000"},
		{"overflow", domain.StockReportInput{Item: "goggles", OnHand: "99999999999999999999999", DailyConsumption: "1"}, by, "on_hand", "at most"},
		{"bad region", ok, domain.Poster{HospitalID: "org_h", Region: "999999"}, "region", "not a known division"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := domain.NewStockReport(tt.in, tt.by, now)
			e := apperr.As(err)
			if e == nil || e.Code != apperr.Unprocessable {
				t.Fatalf("err = %v", err)
			}
			for _, f := range e.Fields {
				if f.Field == tt.field && strings.Contains(f.Message, tt.says) {
					return
				}
			}
			t.Errorf("no %s error saying %q in %+v", tt.field, tt.says, e.Fields)
		})
	}
}
