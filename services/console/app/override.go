package app

import (
	"context"

	"github.com/aidflow/aidflow/services/console/adapters/api"
	"github.com/aidflow/aidflow/services/console/domain"
)

// MakeAllocation is a regulator's override (POST /v1/allocations) with a
// written reason; the API validates every field and records the reason.
func (a *App) MakeAllocation(ctx context.Context, token string, in api.OverrideInput) (domain.Allocation, error) {
	return a.API.MakeAllocation(ctx, token, in)
}

// CancelAllocation is POST /v1/allocations/{id}/cancel with a written
// reason; the units go back to the pool.
func (a *App) CancelAllocation(ctx context.Context, token, id, reason string) (domain.Allocation, error) {
	return a.API.CancelAllocation(ctx, token, id, reason)
}

// RedirectAllocation moves an allocation's unshipped units to another
// need with a written reason (POST /v1/allocations/{id}/redirect) and
// returns the new allocation.
func (a *App) RedirectAllocation(ctx context.Context, token, id, needID, reason string) (domain.Allocation, error) {
	return a.API.RedirectAllocation(ctx, token, id, needID, reason)
}
