package app

import (
	"context"
	"errors"
	"time"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/registry/domain"
)

// MaxActiveTokens bounds the live tokens of one organization, so a leaked
// operator script cannot mint without limit.
const MaxActiveTokens = 50

// errIssued stops an update that finds the keyed token already issued.
var errIssued = errors.New("token already issued")

// IssueToken gives an organization a new token (operator only).
//
// key, when not empty (httpx.RequestKey), makes the token's id a function
// of it, so a retry after a crash between the write and the idempotency
// record answers the token the first try issued instead of issuing another
// (see RegisterOrg).
func (a *App) IssueToken(ctx context.Context, orgID, key string) (IssuedToken, error) {
	now := a.Now()
	tok := domain.Token{ID: domain.NewTokenID(orgID), CreatedAt: now.UTC().Truncate(time.Millisecond)}
	if key != "" {
		tok.ID = domain.KeyedTokenID(orgID, key)
	}
	org, err := a.Orgs.Update(ctx, orgID, func(o *domain.Org) ([]events.Envelope, error) {
		if held, ok := o.Token(tok.ID); ok {
			tok = held
			return nil, errIssued
		}
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
	if errors.Is(err, errIssued) {
		org, err = a.Orgs.Get(ctx, orgID)
	}
	if err != nil {
		return IssuedToken{}, err
	}
	signed, err := a.sign(org, tok)
	if err != nil {
		return IssuedToken{}, err
	}
	return IssuedToken{TokenID: tok.ID, Token: signed}, nil
}
