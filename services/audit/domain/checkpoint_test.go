package domain_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/aidflow/aidflow/services/audit/domain"
)

func mustSigner(t *testing.T) (*domain.Signer, ed25519.PrivateKey) {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := domain.NewSigner(domain.Origin, priv)
	if err != nil {
		t.Fatal(err)
	}
	return s, priv
}

func TestCheckpointVerifiesWithNoteOpen(t *testing.T) {
	s, priv := mustSigner(t)
	root := tlog.RecordHash([]byte("hello"))
	cp, err := s.Sign(42, root, time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	v, err := note.NewVerifier(s.VerifierKey())
	if err != nil {
		t.Fatal(err)
	}
	n, err := note.Open(cp.Note, note.VerifierList(v))
	if err != nil {
		t.Fatalf("note.Open: %v\n%s", err, cp.Note)
	}
	want := "aidflow.audit\n42\n" + root.String() + "\n"
	if n.Text != want {
		t.Fatalf("body %q, want %q", n.Text, want)
	}
	// The bare signature is an Ed25519 signature of the body.
	sig, err := base64.StdEncoding.DecodeString(cp.Signature())
	if err != nil || !ed25519.Verify(priv.Public().(ed25519.PublicKey), []byte(n.Text), sig) {
		t.Fatalf("signature %q does not verify over the body", cp.Signature())
	}
	got, err := domain.OpenCheckpoint(cp.Note, s.VerifierKey())
	if err != nil || got.Size != 42 || got.Root != root || got.Origin != domain.Origin {
		t.Fatalf("OpenCheckpoint = %+v, %v", got, err)
	}
	// Another key does not open it.
	other, _ := mustSigner(t)
	if _, err := domain.OpenCheckpoint(cp.Note, other.VerifierKey()); err == nil {
		t.Fatal("a checkpoint opened with another key")
	}
	// Nor does an altered body.
	forged := []byte(strings.Replace(string(cp.Note), "\n42\n", "\n43\n", 1))
	if _, err := domain.OpenCheckpoint(forged, s.VerifierKey()); err == nil {
		t.Fatal("an altered checkpoint opened")
	}
}

func TestParseSigningKey(t *testing.T) {
	skey, vkey, err := note.GenerateKey(rand.Reader, "aidflow.audit")
	if err != nil {
		t.Fatal(err)
	}
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	seed := base64.StdEncoding.EncodeToString(priv.Seed())
	tests := []struct {
		name     string
		in       string
		wantName string
		wantVKey string // when known
		ok       bool
	}{
		{"note signer key", skey, "aidflow.audit", vkey, true},
		{"note signer key with spaces", "  " + skey + "\n", "aidflow.audit", vkey, true},
		{"base64 seed", seed, domain.Origin, "", true},
		{"empty", "", "", "", false},
		{"short seed", base64.StdEncoding.EncodeToString([]byte("short")), "", "", false},
		{"not base64", "not a key!", "", "", false},
		{"broken note key", "PRIVATE+KEY+aidflow.audit+00000000+AAAA", "", "", false},
		{"verifier key instead", vkey, "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name, key, err := domain.ParseSigningKey(tt.in)
			if (err == nil) != tt.ok {
				t.Fatalf("err = %v, want ok %v", err, tt.ok)
			}
			if !tt.ok {
				return
			}
			if name != tt.wantName {
				t.Fatalf("name %q, want %q", name, tt.wantName)
			}
			s, err := domain.NewSigner(name, key)
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantVKey != "" && s.VerifierKey() != tt.wantVKey {
				t.Fatalf("verifier key %q, want %q", s.VerifierKey(), tt.wantVKey)
			}
		})
	}
}

func TestParseBody(t *testing.T) {
	root := tlog.RecordHash([]byte("x"))
	tests := []struct {
		in string
		ok bool
	}{
		{domain.FormatBody("aidflow.audit", 7, root), true},
		{domain.FormatBody("aidflow.audit", 7, root) + "extension line\n", true},
		{"aidflow.audit\n7\n", false},
		{"aidflow.audit\n07\n" + root.String() + "\n", false},
		{"aidflow.audit\n-1\n" + root.String() + "\n", false},
		{"aidflow.audit\n7\nnot-a-hash\n", false},
		{"\n7\n" + root.String() + "\n", false},
	}
	for _, tt := range tests {
		origin, size, got, err := domain.ParseBody(tt.in)
		if (err == nil) != tt.ok {
			t.Errorf("ParseBody(%q) err = %v, want ok %v", tt.in, err, tt.ok)
			continue
		}
		if tt.ok && (origin != "aidflow.audit" || size != 7 || got != root) {
			t.Errorf("ParseBody(%q) = %q %d %v", tt.in, origin, size, got)
		}
	}
}
