package app

import (
	"context"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/registry/domain"
)

// MaxActiveTokens bounds the live tokens of one organization, so a leaked
// operator script cannot mint without limit.
const MaxActiveTokens = 50

// IssueToken gives an organization a new token (operator only).
func (a *App) IssueToken(ctx context.Context, orgID string) (IssuedToken, error) {
	now := a.Now()
	tok := domain.Token{ID: domain.NewTokenID(orgID), CreatedAt: now.UTC()}
	org, err := a.Orgs.Update(ctx, orgID, func(o *domain.Org) ([]events.Envelope, error) {
		active := 0
		for _, t := range o.Tokens {
			if t.RevokedAt == nil {
				active++
			}
		}
		if active >= MaxActiveTokens {
			return nil, domain.ErrTooManyTokens
		}
		o.Tokens = append(o.Tokens, tok)
		return []events.Envelope{events.MustNew(Source, events.TokenIssued{TokenID: tok.ID, OrgID: o.ID, Role: o.Role},
			events.Meta{Subject: tok.ID, OrgID: o.ID, Time: now})}, nil
	})
	if err != nil {
		return IssuedToken{}, err
	}
	signed, err := a.sign(org, tok.ID)
	if err != nil {
		return IssuedToken{}, err
	}
	return IssuedToken{TokenID: tok.ID, Token: signed}, nil
}
