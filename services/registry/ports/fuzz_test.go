package ports

import (
	"testing"

	"github.com/aidflow/aidflow/shared/httpx/httpxtest"
)

// FuzzDecodeCreateOrg: POST /v1/orgs bodies through the strict binder
// (httpxtest.StrictDecode: a 400 or a value that survives a round trip).
func FuzzDecodeCreateOrg(f *testing.F) {
	f.Add([]byte(`{"name":"Wuhan Designated Hospital","role":"hospital","region":"420100","facility_type":"designated"}`))
	f.Add([]byte(`{"name":"Suzhou Mask Works","role":"manufacturer","region":"320500","id":"org_1"}`))
	f.Add([]byte(`{"name":1,"role":null}`))
	f.Fuzz(func(t *testing.T, body []byte) { httpxtest.StrictDecode[createOrgRequest](t, body) })
}
