// Package httpxtest holds the checks fuzz tests of request decoders share.
// It is small on purpose: a fuzz binary instruments every package it links.
package httpxtest

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/aidflow/aidflow/shared/apperr"
	"github.com/aidflow/aidflow/shared/httpx"
)

// StrictDecode is the property every JSON request decoder is fuzzed for:
// body through the strict binder (httpx.DecodeJSON) into a T either is
// refused as invalid (400), or gives a value that, encoded again, the
// binder takes back unchanged. It returns the value and whether it was
// accepted, for the caller's own checks of what comes next.
func StrictDecode[T any](t *testing.T, body []byte) (T, bool) {
	t.Helper()
	var v T
	if err := httpx.DecodeJSON(body, &v); err != nil {
		if c := apperr.CodeOf(err); c != apperr.Invalid {
			t.Fatalf("decode %q: code %s, want invalid (400): %v", body, c, err)
		}
		if len(apperr.As(err).Fields) > 1 {
			t.Fatalf("decode %q: %d fields named, want at most one", body, len(apperr.As(err).Fields))
		}
		return v, false
	}
	again, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("encode %+v: %v", v, err)
	}
	var back T
	if err := httpx.DecodeJSON(again, &back); err != nil {
		t.Fatalf("the binder refuses its own encoding %s: %v", again, err)
	}
	if twice, _ := json.Marshal(back); !bytes.Equal(again, twice) {
		t.Fatalf("round trip changed the request: %s → %s", again, twice)
	}
	return v, true
}
