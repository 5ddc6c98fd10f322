package app

import (
	"context"

	"github.com/aidflow/aidflow/services/registry/domain"
)

// GetOrg returns one organization.
func (a *App) GetOrg(ctx context.Context, id string) (domain.Org, error) {
	return a.Orgs.Get(ctx, id)
}

// ListOrgs returns organizations in id order after the cursor.
func (a *App) ListOrgs(ctx context.Context, after string, limit int) ([]domain.Org, error) {
	return a.Orgs.List(ctx, after, limit)
}
