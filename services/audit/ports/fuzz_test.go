package ports

import (
	"testing"

	"github.com/aidflow/aidflow/shared/httpx/httpxtest"
)

// FuzzDecodeCorrection: POST /v1/audit/corrections bodies through the
// strict binder (httpxtest.StrictDecode), the free-form "corrected"
// object included.
func FuzzDecodeCorrection(f *testing.F) {
	f.Add([]byte(`{"event_id":"evt_1","reason":"the quantity was mistyped","corrected":{"quantity":200}}`))
	f.Add([]byte(`{"event_id":"evt_1","reason":"x","corrected":[1,2]}`))
	f.Add([]byte(`{"event_id":"evt_1","reason":"x","status":"ok"}`))
	f.Fuzz(func(t *testing.T, body []byte) { httpxtest.StrictDecode[correctionRequest](t, body) })
}
