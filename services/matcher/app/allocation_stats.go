package app

import (
	"context"

	"github.com/aidflow/aidflow/services/matcher/domain"
	"github.com/aidflow/aidflow/shared/apperr"
	"github.com/aidflow/aidflow/shared/auth"
)

// AllocationStats counts every allocation by source organization and
// status, for regulators: who was given what, and who declines most.
// It reads the in-memory read view (every partition's allocations), no
// database.
func (a *App) AllocationStats(_ context.Context, actor Actor) ([]domain.SourceStats, error) {
	if actor.Role != auth.Regulator {
		return nil, apperr.New(apperr.Forbidden, "allocation statistics are for regulators")
	}
	return a.View.SourceStats(), nil
}
