package auth_test

import (
	"crypto/ed25519"
	"testing"

	"github.com/aidflow/aidflow/shared/apperr"
	"github.com/aidflow/aidflow/shared/auth"
)

// FuzzVerify feeds arbitrary strings to the token parser. Whatever comes
// in: no panic; a refusal is 401; and a token is accepted only if it
// carries the claims the key signed (the fuzzer cannot sign, so nothing it
// makes up may pass with other claims: no alg:none, no payload swap).
func FuzzVerify(f *testing.F) {
	seed := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	signed := auth.Claims{TokenID: "t1", OrgID: "o1", Role: auth.Hospital, Region: "420100", IssuedAt: 1}
	good, err := auth.NewSigner(seed).Sign(signed)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:len(good)-3])
	f.Add("aft1.eyJ0aWQiOiJ0MSIsIm9yZyI6Im8xIiwicm9sZSI6InJlZ3VsYXRvciIsImlhdCI6MX0." + good[len(good)-86:])
	f.Add("eyJhbGciOiJub25lIn0.eyJ0aWQiOiJ0MSJ9.")
	f.Add("aft1..")
	f.Add("operator-secret")
	v := auth.NewVerifier(seed.Public().(ed25519.PublicKey)).WithOperatorToken("operator-secret")
	f.Fuzz(func(t *testing.T, token string) {
		c, err := v.Verify(token)
		if err != nil {
			if apperr.CodeOf(err) != apperr.Unauthorized {
				t.Fatalf("Verify(%q): code %s, want unauthorized", token, apperr.CodeOf(err))
			}
			return
		}
		if token == "operator-secret" {
			if c.Role != auth.Operator {
				t.Fatalf("the operator's secret gave %+v", c)
			}
			return
		}
		if c != signed {
			t.Fatalf("Verify(%q) accepted claims the key never signed: %+v", token, c)
		}
	})
}
