package app

import (
	"context"
	"errors"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/registry/domain"
)

// RevokeToken revokes a token; every service refuses it once the
// token_revoked event reaches it (moments, over NATS).
func (a *App) RevokeToken(ctx context.Context, tokenID string) error {
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
				return nil, domain.ErrAlreadyRevoked
			}
			o.Tokens[i].RevokedAt = &now
			return []events.Envelope{events.MustNew(Source, events.TokenRevoked{TokenID: tokenID, OrgID: o.ID},
				events.Meta{Subject: tokenID, OrgID: o.ID, Time: now})}, nil
		}
		return nil, domain.ErrTokenNotFound
	})
	if errors.Is(err, domain.ErrOrgNotFound) {
		return domain.ErrTokenNotFound
	}
	return err
}
