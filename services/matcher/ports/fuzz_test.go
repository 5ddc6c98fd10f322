package ports

import (
	"testing"

	"github.com/aidflow/aidflow/shared/httpx/httpxtest"
)

// FuzzDecodeAllocationRequests: the bodies of every allocation write
// (decline and cancel, dispatch, receipt, a regulator's override and
// redirect) through
// the strict binder (httpxtest.StrictDecode); kind picks the request.
func FuzzDecodeAllocationRequests(f *testing.F) {
	f.Add(uint8(0), []byte(`{"reason":"line stopped"}`))
	f.Add(uint8(1), []byte(`{"shipped_quantity":2000,"carrier":"SF Express","tracking_number":"SF1234567890"}`))
	f.Add(uint8(2), []byte(`{"received_quantity":1990,"damaged_quantity":10,"note":"box 3 wet"}`))
	f.Add(uint8(3), []byte(`{"need_id":"need_1","source_kind":"capacity","source_id":"cap_1","quantity":100,"reason":"air freight"}`))
	f.Add(uint8(1), []byte(`{"shipped_quantity":1e30}`))
	f.Add(uint8(3), []byte(`{"need_id":"need_1","status":"delivered","source_org_id":"org_2"}`))
	f.Add(uint8(4), []byte(`{"need_id":"need_2","reason":"ICU opened first"}`))
	f.Fuzz(func(t *testing.T, kind uint8, body []byte) {
		switch kind % 5 {
		case 0:
			httpxtest.StrictDecode[reasonRequest](t, body)
		case 1:
			httpxtest.StrictDecode[dispatchRequest](t, body)
		case 2:
			httpxtest.StrictDecode[receiptRequest](t, body)
		case 3:
			httpxtest.StrictDecode[overrideRequest](t, body)
		case 4:
			httpxtest.StrictDecode[redirectRequest](t, body)
		}
	})
}
