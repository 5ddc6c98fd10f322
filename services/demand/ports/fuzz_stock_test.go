package ports

import (
	"testing"

	"github.com/aidflow/aidflow/shared/httpx/httpxtest"
)

// FuzzDecodeStockReport: POST /v1/stock-reports bodies through the strict
// binder (httpxtest.StrictDecode); the numbers stay raw JSON until the
// handler reads them, so "12" and 1.5 decode here and are refused later.
func FuzzDecodeStockReport(f *testing.F) {
	f.Add([]byte(`{"item":"goggles","on_hand":10,"daily_consumption":5}`))
	f.Add([]byte(`{"item":"goggles","on_hand":"12","daily_consumption":1.5}`))
	f.Add([]byte(`{"item":"goggles","on_hand":10,"daily_consumption":5,"hospital_id":"org_2"}`))
	f.Fuzz(func(t *testing.T, body []byte) { httpxtest.StrictDecode[stockReportRequest](t, body) })
}
