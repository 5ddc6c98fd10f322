package ports

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/aidflow/aidflow/contracts/catalog"
	"github.com/aidflow/aidflow/services/supply/domain"
	"github.com/aidflow/aidflow/shared/apperr"
	"github.com/aidflow/aidflow/shared/httpx"
)

// FuzzCapacityReport feeds arbitrary bodies (and item codes) through the
// report decoder and the domain's rules, as PUT /v1/capacity/{item} does.
// Whatever comes in: no panic; a refusal is 400, 404 or 422, never an
// internal error; an accepted report is within every limit, and sending it
// back as JSON gives the same report.
func FuzzCapacityReport(f *testing.F) {
	for _, seed := range []struct{ item, body string }{
		{"n95-respirator", `{"available_now":10000,"daily_rate":2000,"lead_time_days":1,"unit_price":3.5}`},
		{"ventilator", `{"available_now":0,"daily_rate":0,"lead_time_days":365,"standard":"GB 9706.212","unit_price":null}`},
		{"surgical-mask", `{"available_now":1.5,"daily_rate":1,"lead_time_days":1}`},
		{"goggles", `{"available_now":1,"daily_rate":1,"lead_time_days":1,"unit_price":"3.50"}`},
		{"n95", `{}`},
		{"n95-respirator", `{"available_now":-1,"daily_rate":1e30,"lead_time_days":1,"reserved":0}`},
	} {
		f.Add(seed.item, []byte(seed.body))
	}
	f.Fuzz(func(t *testing.T, item string, body []byte) {
		var req reportRequest
		if err := httpx.DecodeJSON(body, &req); err != nil {
			if code := apperr.CodeOf(err); code != apperr.Invalid {
				t.Fatalf("decode refused with %q, want invalid (400): %v", code, err)
			}
			return
		}
		r, err := domain.ParseReport(req.input(item))
		if err != nil {
			if code := apperr.CodeOf(err); code != apperr.Unprocessable && code != apperr.NotFound {
				t.Fatalf("refused with %q: %v", code, err)
			}
			return
		}
		it, ok := catalog.Lookup(r.Item)
		if !ok || r.Item != item {
			t.Fatalf("accepted item %q for %q", r.Item, item)
		}
		if r.AvailableNow < 0 || r.AvailableNow > domain.MaxAvailable(it) || r.DailyRate < 0 || r.DailyRate > domain.MaxDailyRate(it) ||
			r.LeadTimeDays < 0 || r.LeadTimeDays > domain.MaxLeadTimeDays || !slices.Contains(it.Standards, r.Standard) {
			t.Fatalf("accepted out of limits: %+v", r)
		}
		price := json.RawMessage("null")
		if r.UnitPriceFen != nil {
			if *r.UnitPriceFen < 0 || *r.UnitPriceFen > domain.MaxUnitPriceFen {
				t.Fatalf("accepted price %d fen", *r.UnitPriceFen)
			}
			price = json.RawMessage(domain.FormatYuan(*r.UnitPriceFen))
		}
		again, err := json.Marshal(map[string]any{"available_now": r.AvailableNow, "daily_rate": r.DailyRate,
			"lead_time_days": r.LeadTimeDays, "standard": r.Standard, "unit_price": price})
		if err != nil {
			t.Fatal(err)
		}
		var back reportRequest
		if err := httpx.DecodeJSON(again, &back); err != nil {
			t.Fatalf("re-encoded report %s: %v", again, err)
		}
		r2, err := domain.ParseReport(back.input(item))
		if err != nil {
			t.Fatalf("re-encoded report %s refused: %v", again, err)
		}
		same := r2.AvailableNow == r.AvailableNow && r2.DailyRate == r.DailyRate && r2.LeadTimeDays == r.LeadTimeDays &&
			r2.Standard == r.Standard && (r2.UnitPriceFen == nil) == (r.UnitPriceFen == nil) &&
			(r.UnitPriceFen == nil || *r2.UnitPriceFen == *r.UnitPriceFen)
		if !same {
			t.Fatalf("round trip changed the report: %+v → %s → %+v", r, again, r2)
		}
	})
}
