package app

import (
	"context"

	"github.com/aidflow/aidflow/services/matcher/domain"
	"github.com/aidflow/aidflow/shared/auth"
)

// CancelAllocation is a regulator withdrawing an allocation with a written
// reason. What was not shipped returns to the source and the need, and the
// allocation_cancelled event has the item matched again.
func (a *App) CancelAllocation(ctx context.Context, actor Actor, id, reason string) (domain.Allocation, error) {
	return a.change(ctx, id, actor, func(domain.Allocation) bool { return actor.Role == auth.Regulator },
		func(al *domain.Allocation) (string, error) {
			return al.Cancel(reason, domain.RegulatorBy(actor.OrgID), a.Now())
		})
}
