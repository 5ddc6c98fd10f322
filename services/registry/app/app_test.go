package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/aidflow/aidflow/services/registry/adapters/memory"
	"github.com/aidflow/aidflow/services/registry/app"
	"github.com/aidflow/aidflow/services/registry/domain"
	"github.com/aidflow/aidflow/shared/auth"
)

func newApp(t *testing.T, orgs domain.Repository) *app.App {
	t.Helper()
	_, key, err := auth.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	a := app.New(orgs, auth.NewSigner(key))
	clock := time.Date(2020, 2, 3, 8, 0, 0, 123456789, time.UTC)
	a.Now = func() time.Time { clock = clock.Add(time.Second); return clock }
	return a
}

// An organization created with an Idempotency-Key and created again after
// the process died between the write and the idempotency record is the
// same organization with the same token: the answer the first try would
// have given. Likewise a token issued with a key.
func TestRegisterOrgWithTheSameKeyRegistersOnce(t *testing.T) {
	ctx := context.Background()
	orgs := memory.NewOrgs()
	a := newApp(t, orgs)
	in := domain.NewOrgInput{Name: "Wuhan Designated Hospital", Role: auth.Hospital, Region: "420100"}
	first, err := a.RegisterOrg(ctx, "key-1", in)
	if err != nil {
		t.Fatal(err)
	}
	restarted := newApp(t, orgs)
	restarted.Signer = a.Signer
	again, err := restarted.RegisterOrg(ctx, "key-1", in)
	if err != nil || again.ID != first.ID || again.IssuedToken != first.IssuedToken || !again.CreatedAt.Equal(first.CreatedAt) {
		t.Fatalf("retry = %s %q %s, %v; want %s %q %s", again.ID, again.IssuedToken.Token, again.CreatedAt, err, first.ID, first.IssuedToken.Token, first.CreatedAt)
	}
	if n := len(orgs.Events); n != 2 {
		t.Fatalf("%d events stored, want org_registered and token_issued once", n)
	}
	if other, err := a.RegisterOrg(ctx, "key-2", in); err != nil || other.ID == first.ID {
		t.Fatalf("another key = %s, %v; want a new organization", other.ID, err)
	}

	tok, err := a.IssueToken(ctx, first.ID, "key-3")
	if err != nil {
		t.Fatal(err)
	}
	tokAgain, err := restarted.IssueToken(ctx, first.ID, "key-3")
	if err != nil || tokAgain != tok {
		t.Fatalf("token retry = %+v, %v; want %+v", tokAgain, err, tok)
	}
	if o, _ := orgs.Get(ctx, first.ID); len(o.Tokens) != 2 || len(orgs.Events) != 5 {
		t.Fatalf("%d tokens, %d events; want 2 tokens and one more token_issued", len(o.Tokens), len(orgs.Events))
	}
	if fresh, err := a.IssueToken(ctx, first.ID, ""); err != nil || fresh.TokenID == tok.TokenID {
		t.Fatalf("no key = %+v, %v; want another token", fresh, err)
	}
}
