package app

import (
	"context"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/registry/domain"
)

// RegisteredOrg is a new organization with its first token.
type RegisteredOrg struct {
	domain.Org
	IssuedToken
}

// RegisterOrg creates an organization and its first token (operator only).
func (a *App) RegisterOrg(ctx context.Context, in domain.NewOrgInput) (RegisteredOrg, error) {
	now := a.Now()
	org, err := domain.NewOrg(in, now)
	if err != nil {
		return RegisteredOrg{}, err
	}
	tok := domain.Token{ID: domain.NewTokenID(org.ID), CreatedAt: now.UTC()}
	org.Tokens = []domain.Token{tok}
	signed, err := a.sign(org, tok.ID)
	if err != nil {
		return RegisteredOrg{}, err
	}
	evs := []events.Envelope{
		events.MustNew(Source, events.OrgRegistered{OrgID: org.ID, Name: org.Name, Role: org.Role, Region: org.Region, FacilityType: org.FacilityType},
			events.Meta{Subject: org.ID, OrgID: org.ID, Time: now}),
		events.MustNew(Source, events.TokenIssued{TokenID: tok.ID, OrgID: org.ID, Role: org.Role},
			events.Meta{Subject: tok.ID, OrgID: org.ID, Time: now}),
	}
	if err := a.Orgs.Create(ctx, org, evs...); err != nil {
		return RegisteredOrg{}, err
	}
	return RegisteredOrg{Org: org, IssuedToken: IssuedToken{TokenID: tok.ID, Token: signed}}, nil
}
