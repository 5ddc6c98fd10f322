package auth_test

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/aidflow/aidflow/shared/apperr"
	"github.com/aidflow/aidflow/shared/auth"
	"github.com/aidflow/aidflow/shared/httpx"
)

func mustKeys(t *testing.T) (ed25519.PublicKey, ed25519.PrivateKey) {
	t.Helper()
	pub, priv, err := auth.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return pub, priv
}

func TestVerify(t *testing.T) {
	pub, priv := mustKeys(t)
	_, otherPriv := mustKeys(t)
	claims := auth.Claims{TokenID: "t1", OrgID: "o1", Role: auth.Hospital, Region: "420100", IssuedAt: 1}
	good, err := auth.NewSigner(priv).Sign(claims)
	if err != nil {
		t.Fatal(err)
	}
	wrongKey, _ := auth.NewSigner(otherPriv).Sign(claims)
	head, _, _ := strings.Cut(strings.TrimPrefix(good, "aft1."), ".")
	forgedPayload := "aft1." + base64.RawURLEncoding.EncodeToString([]byte(`{"tid":"t1","org":"o1","role":"regulator","iat":1}`)) + "." + good[strings.LastIndexByte(good, '.')+1:]
	algNone := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none"}`)) + "." + head + "."

	v := auth.NewVerifier(pub).WithOperatorToken("op-secret")
	tests := []struct {
		name  string
		token string
		ok    bool
	}{
		{"good", good, true},
		{"operator", "op-secret", true},
		{"wrong key", wrongKey, false},
		{"payload swapped", forgedPayload, false},
		{"alg none", algNone, false},
		{"empty", "", false},
		{"truncated signature", good[:len(good)-4], false},
		{"garbage", "aft1.%%%.%%%", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := v.Verify(tt.token)
			if (err == nil) != tt.ok {
				t.Fatalf("Verify err = %v, want ok=%v", err, tt.ok)
			}
			if err != nil && apperr.CodeOf(err) != apperr.Unauthorized {
				t.Errorf("code = %s", apperr.CodeOf(err))
			}
		})
	}
	got, _ := v.Verify(good)
	if got != claims {
		t.Errorf("claims = %+v", got)
	}
	// A token verified before (and so remembered) is still refused once revoked.
	v.Revoke("t1")
	if _, err := v.Verify(good); err == nil {
		t.Error("revoked token accepted")
	}
	// Remembering good tokens does not make a forged one pass afterwards.
	if _, err := v.Verify(forgedPayload); err == nil {
		t.Error("forged token accepted after the real one was cached")
	}
	if _, err := auth.NewVerifier(pub).Verify("op-secret"); err == nil {
		t.Error("operator secret accepted by a verifier not configured with it")
	}
}

// TestVerifyExpiry: a token past its expiry is refused, also once
// remembered as verified; a token without one never expires.
func TestVerifyExpiry(t *testing.T) {
	pub, priv := mustKeys(t)
	now := time.Unix(1_600_000_000, 0)
	v := auth.NewVerifier(pub)
	v.Now = func() time.Time { return now }
	sign := func(exp int64) string {
		tok, err := auth.NewSigner(priv).Sign(auth.Claims{TokenID: "t", OrgID: "o", Role: auth.Donor, IssuedAt: 1, ExpiresAt: exp})
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	live, expired, forever := sign(now.Unix()+60), sign(now.Unix()), sign(0)
	if _, err := v.Verify(live); err != nil {
		t.Fatalf("a live token: %v", err)
	}
	if _, err := v.Verify(expired); apperr.CodeOf(err) != apperr.Unauthorized || !strings.Contains(err.Error(), "expired") {
		t.Errorf("an expired token: %v", err)
	}
	now = now.Add(time.Minute)
	if _, err := v.Verify(live); apperr.CodeOf(err) != apperr.Unauthorized {
		t.Errorf("a remembered token past its expiry: %v", err)
	}
	if _, err := v.Verify(forever); err != nil {
		t.Errorf("a token without expiry: %v", err)
	}
}

func TestKeyEncodingRoundTrips(t *testing.T) {
	pub, priv := mustKeys(t)
	p2, err := auth.ParsePrivateKey(auth.EncodePrivateKey(priv))
	if err != nil || !p2.Equal(priv) {
		t.Fatalf("private: %v", err)
	}
	pub2, err := auth.ParsePublicKey(auth.EncodePublicKey(pub))
	if err != nil || !pub2.Equal(pub) {
		t.Fatalf("public: %v", err)
	}
	if _, err := auth.ParsePublicKey("short"); err == nil {
		t.Error("bad key accepted")
	}
}

func TestMiddlewareAndRequire(t *testing.T) {
	pub, priv := mustKeys(t)
	hosp, _ := auth.NewSigner(priv).Sign(auth.Claims{TokenID: "t1", OrgID: "h1", Role: auth.Hospital})
	reg, _ := auth.NewSigner(priv).Sign(auth.Claims{TokenID: "t2", OrgID: "r1", Role: auth.Regulator})
	e := httpx.New(httpx.Options{Service: "t"})
	g := e.Group("", auth.Middleware(auth.NewVerifier(pub)))
	g.GET("/who", func(c echo.Context) error { return c.String(200, auth.From(c).OrgID) })
	g.GET("/reg", func(c echo.Context) error { return c.String(200, "ok") }, auth.Require(auth.Regulator))

	tests := []struct {
		path, header string
		status       int
	}{
		{"/who", "", 401},
		{"/who", "Basic abc", 401},
		{"/who", "Bearer " + hosp, 200},
		{"/reg", "Bearer " + hosp, 403},
		{"/reg", "Bearer " + reg, 200},
		{"/reg", "bearer " + reg, 200},
	}
	for _, tt := range tests {
		req := httptest.NewRequest(http.MethodGet, tt.path, nil)
		if tt.header != "" {
			req.Header.Set("Authorization", tt.header)
		}
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		if rec.Code != tt.status {
			t.Errorf("%s with %q = %d, want %d (%s)", tt.path, tt.header, rec.Code, tt.status, rec.Body)
		}
	}
}

func TestOperatorRecognisedByHashAlone(t *testing.T) {
	pub, _, err := auth.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	secret := "an-operator-token-of-tests"
	sum := sha256.Sum256([]byte(secret))
	v := auth.NewVerifier(pub).WithOperatorTokenHash(sum[:])
	c, err := v.Verify(secret)
	if err != nil || c.Role != auth.Operator {
		t.Fatalf("operator token: %+v, %v; want the operator", c, err)
	}
	if _, err := v.Verify(secret + "x"); err == nil {
		t.Fatal("another secret was taken for the operator's")
	}
	if _, err := auth.NewVerifier(pub).Verify(secret); err == nil {
		t.Fatal("a verifier with no operator hash took the operator's token")
	}
	if c, err := auth.NewVerifier(pub).WithOperatorToken(secret).Verify(secret); err != nil || c.Role != auth.Operator {
		t.Fatalf("the registry's verifier (secret): %+v, %v", c, err)
	}
}
