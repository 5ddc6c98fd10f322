package domain_test

import (
	"strings"
	"testing"

	"github.com/aidflow/aidflow/services/demand/domain"
	"github.com/aidflow/aidflow/shared/apperr"
)

func TestCheckHoarding(t *testing.T) {
	report := domain.StockReport{HospitalID: "org_h", Item: "n95-respirator", DailyConsumption: 100}
	tests := []struct {
		name         string
		held, adding int64
		hasReport    bool
		daily        int64
		ok           bool
		says         string
	}{
		{"no report: no rule", 1_000_000, 1_000_000, false, 100, true, ""},
		{"within", 1000, 1999, true, 100, true, ""},
		{"exactly the limit", 1000, 2000, true, 100, true, ""},
		{"one over", 1000, 2001, true, 100, false, "Ask for at most 2000"},
		{"already over", 5000, 1, true, 100, false, "Ask for at most 0"},
		{"no consumption reported", 0, 1, true, 0, false, "30 × 0 = 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := report
			r.DailyConsumption = tt.daily
			err := domain.CheckHoarding("quantity", tt.held, tt.adding, r, tt.hasReport, 30)
			if tt.ok {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			e := apperr.As(err)
			if e == nil || e.Code != apperr.Unprocessable || len(e.Fields) != 1 || e.Fields[0].Field != "quantity" {
				t.Fatalf("err = %#v", err)
			}
			if !strings.Contains(e.Message, tt.says) || !strings.Contains(e.Message, "anti-hoarding") {
				t.Errorf("message %q does not say %q", e.Message, tt.says)
			}
		})
	}
}

func TestHolds(t *testing.T) {
	tests := []struct {
		status              string
		quantity, delivered int64
		want                int64
	}{
		{domain.StatusOpen, 100, 0, 100},
		{domain.StatusPartiallyAllocated, 100, 30, 70},
		{domain.StatusAllocated, 100, 60, 40},
		{domain.StatusStale, 100, 0, 100},
		{domain.StatusCancelled, 100, 0, 0},
		{domain.StatusFulfilled, 100, 100, 0},
	}
	for _, tt := range tests {
		n := domain.Need{Status: tt.status, Quantity: tt.quantity, DeliveredQuantity: tt.delivered}
		if got := n.Holds(); got != tt.want {
			t.Errorf("%s %d/%d holds %d, want %d", tt.status, tt.delivered, tt.quantity, got, tt.want)
		}
	}
}
