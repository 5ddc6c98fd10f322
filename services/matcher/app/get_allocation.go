package app

import (
	"context"
	"slices"

	"github.com/aidflow/aidflow/services/matcher/domain"
	"github.com/aidflow/aidflow/shared/apperr"
	"github.com/aidflow/aidflow/shared/auth"
)

// GetAllocation returns an allocation to its parties and regulators.
func (a *App) GetAllocation(_ context.Context, actor Actor, id string) (domain.Allocation, error) {
	al, ok := a.View.Allocation(id)
	if !ok || !canSee(actor, al) {
		return domain.Allocation{}, domain.ErrAllocationNotFound
	}
	return al, nil
}

// ListQuery selects a page of allocations.
type ListQuery struct {
	Status string
	// After is the key of the last allocation of the previous page.
	After string
	Limit int
}

// ListAllocations lists, oldest first, what the actor ships (manufacturers,
// donors), what goes to it (hospitals), or everything (regulators).
func (a *App) ListAllocations(_ context.Context, actor Actor, q ListQuery) ([]domain.Allocation, string, error) {
	if q.Status != "" && !slices.Contains(domain.Statuses, q.Status) {
		return nil, "", &apperr.Error{Code: apperr.Invalid, Message: "status: must be one of proposed, accepted, dispatched, delivered, declined, expired, cancelled",
			Fields: []apperr.FieldError{{Field: "status", Message: "must be one of proposed, accepted, dispatched, delivered, declined, expired, cancelled"}}}
	}
	f := domain.ListFilter{Status: q.Status, After: q.After, Limit: q.Limit}
	if actor.Role != auth.Regulator {
		f.OrgID = actor.OrgID
	}
	items, next := a.View.List(f)
	return items, next, nil
}
