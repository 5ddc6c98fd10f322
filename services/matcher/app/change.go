package app

import (
	"context"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/matcher/domain"
	"github.com/aidflow/aidflow/shared/auth"
)

// canSee reports whether an organization may see an allocation: the
// hospital it goes to, the organization that ships it, and regulators.
func canSee(actor Actor, al domain.Allocation) bool {
	switch actor.Role {
	case auth.Regulator:
		return true
	case auth.Hospital:
		return al.HospitalID == actor.OrgID
	case auth.Manufacturer, auth.Donor:
		return al.SourceOrgID == actor.OrgID
	}
	return false
}

func isSource(actor Actor, al domain.Allocation) bool {
	return (actor.Role == auth.Manufacturer || actor.Role == auth.Donor) && al.SourceOrgID == actor.OrgID
}

func isHospital(actor Actor, al domain.Allocation) bool {
	return actor.Role == auth.Hospital && al.HospitalID == actor.OrgID
}

// change applies op to an allocation the actor may act on, stores the new
// state with the event op names in one write, and updates the book. An
// allocation the actor may not act on is not found: ids cannot be probed.
// A change the actor's request key already made is not made again: the
// allocation is answered as it stands.
func (a *App) change(ctx context.Context, id string, actor Actor, may func(domain.Allocation) bool, op func(*domain.Allocation) (string, error)) (domain.Allocation, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.ready(ctx); err != nil {
		return domain.Allocation{}, err
	}
	al, ok := a.Book.Allocation(id)
	if !ok || !may(al) {
		return domain.Allocation{}, domain.ErrAllocationNotFound
	}
	if al.Made(actor.RequestKey) {
		return al, nil
	}
	typ, err := op(&al)
	if err != nil {
		return domain.Allocation{}, err
	}
	al.Remember(actor.RequestKey)
	al.Writer = a.writer()
	ev := al.Event(typ)
	if err := a.Repo.UpdateAllocation(ctx, al, ev); err != nil {
		return domain.Allocation{}, err
	}
	a.Book.PutAllocation(al)
	a.Log.InfoContext(ctx, "allocation changed", "allocation_id", al.ID, "status", al.Status, "version", al.Version)
	a.rematch(ctx, ev)
	return al, nil
}

// rematch matches an item again at once after one of its allocations gave
// units back (declined, expired, cancelled) or a receipt counted damaged
// units (received), with that event as
// the trigger, before anything else changes: the log then shows the
// release followed by what it led to, in the order the state changed, so
// a replay decides the same. The release event also reaches the rematch
// consumer (AllocationReleased, same trigger, numbering on), which runs
// again whatever a crash or an error here left undone. The caller holds
// a.mu.
func (a *App) rematch(ctx context.Context, ev events.Envelope) {
	switch ev.Type {
	case events.AllocationDeclinedType, events.AllocationExpiredType, events.AllocationCancelledType:
	case events.AllocationReceivedType:
		// Units received damaged left the need short: match it again.
	default:
		return
	}
	if err := a.matchItem(ctx, Trigger{EventID: ev.ID, Time: ev.Time}, ev.Item); err != nil {
		a.Log.WarnContext(ctx, "matching again after a release failed; the rematch consumer retries", "event_id", ev.ID, "err", err)
	}
}
