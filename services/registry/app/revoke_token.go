package app

import (
	"context"
	"errors"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/registry/domain"
)

// RevokeToken revokes a token; every service refuses it once the
// token_revoked event reaches it (moments, over NATS). key, when not empty
// (httpx.RequestKey), is kept with the revocation: the same revocation
// sent again after the process died between its write and its idempotency
// record answers done instead of 409 "already revoked".
func (a *App) RevokeToken(ctx context.Context, tokenID, key string) error {
	orgID, ok := domain.OrgIDOfToken(tokenID)
	if !ok {
		return domain.ErrTokenNotFound
	}
	now := a.Now().UTC()
	_, err := a.Orgs.Update(ctx, orgID, func(o *domain.Org) ([]events.Envelope, error) {
		for i := range o.Tokens {
			if o.Tokens[i].ID != tokenID {
				continue
			}
			if o.Tokens[i].RevokedAt != nil {
				if key != "" && o.Tokens[i].RevokedKey == key {
					return nil, errRevokedByThisRequest
				}
				return nil, domain.ErrAlreadyRevoked
			}
			o.Tokens[i].RevokedAt, o.Tokens[i].RevokedKey = &now, key
			return []events.Envelope{events.MustNew(Source, events.TokenRevoked{TokenID: tokenID, OrgID: o.ID},
				events.Meta{Subject: tokenID, OrgID: o.ID, Time: now})}, nil
		}
		return nil, domain.ErrTokenNotFound
	})
	switch {
	case errors.Is(err, domain.ErrOrgNotFound):
		return domain.ErrTokenNotFound
	case errors.Is(err, errRevokedByThisRequest):
		return nil
	}
	return err
}

// errRevokedByThisRequest stops the update, changing nothing: the token was
// revoked by this same request (its key), sent again.
var errRevokedByThisRequest = errors.New("revoked by this request already")
