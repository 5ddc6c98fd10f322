package app

import (
	"context"
	"errors"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/registry/domain"
)

// RegisteredOrg is a new organization with its first token.
type RegisteredOrg struct {
	domain.Org
	IssuedToken
}

// RegisterOrg creates an organization and its first token (operator only).
//
// key, when not empty (httpx.RequestKey: the Idempotency-Key with the
// body), makes the organization's and the token's ids functions of it. The
// idempotency record is written after the organization, so a crash in
// between leaves a stored organization and no record; the operator's retry
// then finds the organization by its id and answers it with the same token
// instead of creating a second organization (found by the fault suite,
// e2e/faults).
func (a *App) RegisterOrg(ctx context.Context, key string, in domain.NewOrgInput) (RegisteredOrg, error) {
	now := a.Now()
	org, err := domain.NewOrg(in, now)
	if err != nil {
		return RegisteredOrg{}, err
	}
	tok := domain.Token{ID: domain.NewTokenID(org.ID), CreatedAt: org.CreatedAt}
	if key != "" {
		org.ID = domain.KeyedOrgID(key)
		tok.ID = domain.KeyedTokenID(org.ID, key)
	}
	org.Tokens = []domain.Token{tok}
	evs := []events.Envelope{
		events.MustNew(Source, events.OrgRegistered{OrgID: org.ID, Name: org.Name, Role: org.Role, Region: org.Region, FacilityType: org.FacilityType},
			events.Meta{Subject: org.ID, OrgID: org.ID, Time: now}),
		events.MustNew(Source, events.TokenIssued{TokenID: tok.ID, OrgID: org.ID, Role: org.Role},
			events.Meta{Subject: tok.ID, OrgID: org.ID, Time: now}),
	}
	err = a.Orgs.Create(ctx, org, evs...)
	if errors.Is(err, domain.ErrOrgExists) && key != "" {
		if org, err = a.Orgs.Get(ctx, org.ID); err != nil {
			return RegisteredOrg{}, err
		}
		tok = org.Tokens[0]
	} else if err != nil {
		return RegisteredOrg{}, err
	}
	signed, err := a.sign(org, tok)
	if err != nil {
		return RegisteredOrg{}, err
	}
	return RegisteredOrg{Org: org, IssuedToken: IssuedToken{TokenID: tok.ID, Token: signed}}, nil
}
