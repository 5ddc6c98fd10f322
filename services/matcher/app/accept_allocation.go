package app

import (
	"context"

	"github.com/aidflow/aidflow/services/matcher/domain"
)

// AcceptAllocation is the source accepting a proposal.
func (a *App) AcceptAllocation(ctx context.Context, actor Actor, id string) (domain.Allocation, error) {
	return a.change(ctx, id, actor, func(al domain.Allocation) bool { return isSource(actor, al) },
		func(al *domain.Allocation) (string, error) { return al.Accept(a.Now()) })
}
