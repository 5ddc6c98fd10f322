// Package adapterstest is the repository suite every domain.Repository
// implementation passes, so the in-memory fake cannot drift from Mongo.
package adapterstest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/registry/domain"
	"github.com/aidflow/aidflow/shared/apperr"
)

// RunRepositorySuite checks a repository made fresh by newRepo for each test.
func RunRepositorySuite(t *testing.T, newRepo func(t *testing.T) domain.Repository) {
	ctx := context.Background()
	mk := func(name string) domain.Org {
		o, err := domain.NewOrg(domain.NewOrgInput{Name: name, Role: "hospital", Region: "420100"}, time.Now().Truncate(time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		o.Tokens = []domain.Token{{ID: domain.NewTokenID(o.ID), CreatedAt: o.CreatedAt}}
		return o
	}
	ev := func(o domain.Org) events.Envelope {
		return events.MustNew("registry", events.OrgRegistered{OrgID: o.ID, Name: o.Name, Role: o.Role, Region: o.Region}, events.Meta{Subject: o.ID})
	}

	t.Run("create then get", func(t *testing.T) {
		r := newRepo(t)
		o := mk("A")
		if err := r.Create(ctx, o, ev(o)); err != nil {
			t.Fatal(err)
		}
		got, err := r.Get(ctx, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != o.ID || got.Name != "A" || got.FacilityType != "general" || len(got.Tokens) != 1 || !got.CreatedAt.Equal(o.CreatedAt) {
			t.Errorf("got %+v, want %+v", got, o)
		}
		if err := r.Create(ctx, o); !errors.Is(err, domain.ErrOrgExists) {
			t.Errorf("second create: %v", err)
		}
	})
	t.Run("get unknown", func(t *testing.T) {
		_, err := newRepo(t).Get(ctx, "org_missing")
		if apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("update applies the change and refuses on error", func(t *testing.T) {
		r := newRepo(t)
		o := mk("B")
		if err := r.Create(ctx, o); err != nil {
			t.Fatal(err)
		}
		now := time.Now().UTC().Truncate(time.Millisecond)
		_, err := r.Update(ctx, o.ID, func(o *domain.Org) ([]events.Envelope, error) {
			o.Tokens[0].RevokedAt = &now
			return nil, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		got, _ := r.Get(ctx, o.ID)
		if got.Tokens[0].RevokedAt == nil || !got.Tokens[0].RevokedAt.Equal(now) {
			t.Errorf("revocation not stored: %+v", got.Tokens)
		}
		_, err = r.Update(ctx, o.ID, func(o *domain.Org) ([]events.Envelope, error) {
			o.Name = "changed"
			return nil, domain.ErrAlreadyRevoked
		})
		if !errors.Is(err, domain.ErrAlreadyRevoked) {
			t.Fatalf("err = %v", err)
		}
		if got, _ := r.Get(ctx, o.ID); got.Name != "B" {
			t.Error("a refused change must not be stored")
		}
		if _, err := r.Update(ctx, "org_missing", func(*domain.Org) ([]events.Envelope, error) { return nil, nil }); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("update unknown: %v", err)
		}
	})
	t.Run("list pages in id order", func(t *testing.T) {
		r := newRepo(t)
		for _, n := range []string{"C", "D", "E"} {
			if err := r.Create(ctx, mk(n)); err != nil {
				t.Fatal(err)
			}
		}
		first, err := r.List(ctx, "", 2)
		if err != nil || len(first) != 2 || first[0].ID >= first[1].ID {
			t.Fatalf("first page %v, %v", first, err)
		}
		rest, err := r.List(ctx, first[1].ID, 2)
		if err != nil || len(rest) != 1 || rest[0].ID <= first[1].ID {
			t.Fatalf("second page %v, %v", rest, err)
		}
	})
}
