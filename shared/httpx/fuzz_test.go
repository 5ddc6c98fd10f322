package httpx_test

import (
	"testing"

	"github.com/aidflow/aidflow/shared/apperr"
	"github.com/aidflow/aidflow/shared/httpx"
	"github.com/aidflow/aidflow/shared/httpx/httpxtest"
)

// FuzzDecodeCursor: any ?cursor= a client sends decodes to a key or is
// refused as invalid naming the cursor; a key encoded and decoded is
// itself again.
func FuzzDecodeCursor(f *testing.F) {
	f.Add("bmVlZF8x", "need_1")
	f.Add("", "")
	f.Add("!!!", "2026-03-08|need_9")
	f.Add("bmVlZF8x=", "\x00\xff")
	f.Fuzz(func(t *testing.T, cursor, key string) {
		k, err := httpx.DecodeCursor(cursor)
		if err != nil {
			e := apperr.As(err)
			if e.Code != apperr.Invalid || len(e.Fields) != 1 || e.Fields[0].Field != "cursor" {
				t.Fatalf("DecodeCursor(%q): %+v, want invalid naming cursor", cursor, e)
			}
		} else if k == "" {
			t.Fatalf("DecodeCursor(%q) gave an empty key", cursor)
		}
		if key == "" {
			return
		}
		back, err := httpx.DecodeCursor(httpx.EncodeCursor(key))
		if err != nil || back != key {
			t.Fatalf("key %q came back as %q, %v", key, back, err)
		}
	})
}

// FuzzStrictBinder: the strict binder itself, on a body with every JSON
// kind a request uses (strings, numbers, pointers, lists, nested objects).
func FuzzStrictBinder(f *testing.F) {
	f.Add([]byte(`{"item":"goggles","quantity":10,"standards":["GB 14866"],"lines":[{"item":"x","quantity":1}],"maybe":null,"flag":true}`))
	f.Add([]byte(`{"item":"goggles","status":"allocated"}`))
	f.Add([]byte(`{"quantity":1e400}`))
	f.Add([]byte(`{"item":"a"}{"item":"b"}`))
	f.Add([]byte("\xef\xbb\xbf{}"))
	type line struct {
		Item     string `json:"item"`
		Quantity int64  `json:"quantity"`
	}
	type request struct {
		Item      string   `json:"item"`
		Quantity  int64    `json:"quantity"`
		Standards []string `json:"standards"`
		Lines     []line   `json:"lines"`
		Maybe     *int64   `json:"maybe"`
		Flag      bool     `json:"flag"`
	}
	f.Fuzz(func(t *testing.T, body []byte) { httpxtest.StrictDecode[request](t, body) })
}
