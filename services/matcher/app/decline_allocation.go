package app

import (
	"context"

	"github.com/aidflow/aidflow/services/matcher/domain"
)

// DeclineAllocation is the source refusing a proposal (or taking back an
// acceptance before dispatch). The units return to the source, and the
// allocation_declined event has the item matched again.
func (a *App) DeclineAllocation(ctx context.Context, actor Actor, id, reason string) (domain.Allocation, error) {
	return a.change(ctx, id, actor, func(al domain.Allocation) bool { return isSource(actor, al) },
		func(al *domain.Allocation) (string, error) { return al.Decline(reason, a.Now()) })
}
