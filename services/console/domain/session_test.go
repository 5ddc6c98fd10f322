package domain_test

import (
	"strings"
	"testing"
	"time"

	"github.com/aidflow/aidflow/services/console/domain"
)

func mustSealer(t *testing.T) *domain.Sealer {
	t.Helper()
	s, err := domain.NewSealer(domain.NewKey())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSealedSessions(t *testing.T) {
	now := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	k := mustSealer(t)
	in := domain.Session{Token: "aft1.secret", OrgID: "org_r1", Name: "NHC", CSRF: domain.NewCSRF(), Expires: now.Add(time.Hour)}
	sealed := k.Seal(in)
	if strings.Contains(sealed, "secret") || strings.Contains(sealed, "org_r1") {
		t.Fatal("the sealed session is readable")
	}
	got, err := k.Open(sealed, now)
	if err != nil || got.Token != in.Token || got.OrgID != in.OrgID || got.CSRF != in.CSRF || !got.Expires.Equal(in.Expires) {
		t.Fatalf("opened %+v, %v", got, err)
	}
	if k.Seal(in) == sealed {
		t.Fatal("two seals of one session are equal: the nonce is not fresh")
	}
	flipped := []byte(sealed)
	flipped[len(flipped)/2] ^= 1
	for _, tt := range []struct {
		name  string
		value string
		at    time.Time
		with  *domain.Sealer
	}{
		{"expired", sealed, now.Add(time.Hour), k},
		{"altered", string(flipped), now, k},
		{"another key", sealed, now, mustSealer(t)},
		{"not base64", "%%%", now, k},
		{"too short", "YWJj", now, k},
		{"empty", "", now, k},
	} {
		if _, err := tt.with.Open(tt.value, tt.at); err == nil {
			t.Errorf("%s: opened", tt.name)
		}
	}
	if _, err := domain.NewSealer([]byte("short")); err == nil {
		t.Error("a 5-byte key was accepted")
	}
}

func TestCheckCSRF(t *testing.T) {
	s := domain.Session{CSRF: "abc"}
	for _, tt := range []struct {
		got  string
		want bool
	}{{"abc", true}, {"", false}, {"abd", false}, {"abcd", false}} {
		if s.CheckCSRF(tt.got) != tt.want {
			t.Errorf("CheckCSRF(%q) != %v", tt.got, tt.want)
		}
	}
	if (domain.Session{}).CheckCSRF("") {
		t.Error("an empty session's CSRF matched an empty token")
	}
}
