package app

import (
	"context"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/donation/domain"
)

// RecordOrg keeps the service's own view of an organization the registry
// announced: directed gifts name hospitals, and the journey shows their
// names.
func (a *App) RecordOrg(ctx context.Context, o events.OrgRegistered) error {
	return a.Orgs.Put(ctx, domain.Org{ID: o.OrgID, Name: o.Name, Role: o.Role, Region: o.Region})
}
