package app

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/matcher/domain"
	"github.com/aidflow/aidflow/services/matcher/domain/policy"
	"github.com/aidflow/aidflow/shared/apperr"
	"github.com/aidflow/aidflow/shared/auth"
)

// RedirectInput is a regulator's redirect of an allocation to another need.
type RedirectInput struct {
	NeedID string
	Reason string
}

// Redirect refusals.
var (
	ErrCannotRedirect    = apperr.New(apperr.Conflict, "only a proposed, accepted or dispatched allocation can be redirected")
	ErrNothingToRedirect = apperr.New(apperr.Conflict, "everything this allocation was for has been shipped; nothing is left to redirect")
	ErrTargetNotOpen     = apperr.New(apperr.Conflict, "the target need is not open; it takes no redirected units")
)

// RedirectAllocation is a regulator moving what an allocation has not yet
// shipped to another open need of the same item, with a written reason,
// as one action: the allocation is cancelled with the reason and a new one
// made for the target need, both naming the regulator (decided_by of the
// new one, status_by of the cancelled one) and each other (redirected_from,
// redirected_to). The rules that protect hospitals and donors hold as for
// an override: the target must accept the source's standard, a directed
// donation goes only where directed, and the target may not receive more
// than it lacks. It answers the new allocation.
//
// Two documents change and there are no transactions: the new allocation
// is written first (its id derives from the old one's id and version, so
// a retry finds it), carrying the events of both (the cancellation first),
// then the old one's cancelled state. Between the two the matcher counts
// the units twice, never frees them: nothing can take them. A crash or a
// failed write there leaves a half-done redirect that the next change of
// any kind finishes before anything else (App.ready), from what the new
// allocation records.
func (a *App) RedirectAllocation(ctx context.Context, actor Actor, id string, in RedirectInput) (domain.Allocation, error) {
	in.NeedID = strings.TrimSpace(in.NeedID)
	var v apperr.Validation
	v.Check(in.NeedID != "", "need_id", "is required: the need that takes the units")
	reason := checkReason(&v, in.Reason)
	if err := v.Err(); err != nil {
		return domain.Allocation{}, err
	}

	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.ready(ctx); err != nil {
		return domain.Allocation{}, err
	}
	from, ok := a.Book.Allocation(id)
	if !ok || actor.Role != auth.Regulator {
		return domain.Allocation{}, domain.ErrAllocationNotFound
	}
	if to, ok := a.Book.Allocation(from.RedirectedTo); ok && to.Made(actor.RequestKey) {
		// Sent again with its key after the first try redirected it.
		return to, nil
	}
	need, offer, qty, err := a.redirectTarget(from, in.NeedID)
	if err != nil {
		return domain.Allocation{}, err
	}
	n, _ := a.Book.Need(need.ID)
	o, _ := a.Book.Offer(offer.ID)
	by, now := domain.RegulatorBy(actor.OrgID), a.Now()
	to, made := domain.NewAllocation(domain.NewAllocationInput{
		ID: domain.RedirectID(from), Need: n, Offer: o, Quantity: qty, DecidedBy: by, Reason: reason, RedirectedFrom: from.ID, TTL: a.TTL,
		Writer: a.writer(),
	}, now)
	to.Remember(actor.RequestKey)
	// The cancellation is announced first, with the new allocation's own
	// events in its one write: every consumer sees the units released
	// before they are reserved again, and nothing is announced that the
	// second write could fail to make true (finishRedirects).
	cancelled, err := redirected(from, to)
	if err != nil {
		return domain.Allocation{}, err
	}
	cancelled.Writer = to.Writer
	if err := a.Repo.InsertAllocation(ctx, to, append([]events.Envelope{cancelled.Event(events.AllocationCancelledType)}, made...)...); err != nil {
		return domain.Allocation{}, err
	}
	a.Book.PutAllocation(to)
	if err := a.finishRedirects(ctx); err != nil {
		return domain.Allocation{}, fmt.Errorf("redirect %s: the new allocation %s is stored, its cancellation is not (the next change finishes it): %w",
			from.ID, to.ID, err)
	}
	a.Log.InfoContext(ctx, "allocation redirected by a regulator", "allocation_id", from.ID, "redirected_to", to.ID,
		"need_id", to.NeedID, "regulator", actor.OrgID, "quantity", qty)
	// The target lacks qty fewer; the source holds what it held.
	if after := a.Book.NeedRemaining(need.ID); after != need.Remaining-qty {
		return domain.Allocation{}, fmt.Errorf("%w: need %s lacked %d, was redirected %d, now lacks %d", policy.ErrInvariant, need.ID, need.Remaining, qty, after)
	}
	if after := a.Book.OfferRemaining(offer.ID); after != offer.Remaining {
		return domain.Allocation{}, fmt.Errorf("%w: source %s had %d before a redirect, %d after", policy.ErrInvariant, offer.ID, offer.Remaining, after)
	}
	if cancelled, ok := a.Book.Allocation(from.ID); ok {
		a.rematch(ctx, cancelled.Event(events.AllocationCancelledType))
	}
	to, _ = a.Book.Allocation(to.ID)
	return to, nil
}

// redirectTarget checks a redirect of from to the need needID and returns
// the need, the source and the units that move: what from has not shipped.
func (a *App) redirectTarget(from domain.Allocation, needID string) (policy.Need, policy.Offer, int64, error) {
	var v apperr.Validation
	switch {
	case !from.Cancellable():
		found := "it is " + from.Status
		if from.RedirectedTo != "" {
			found = "it was redirected to " + from.RedirectedTo
		}
		return policy.Need{}, policy.Offer{}, 0, &apperr.Error{Code: apperr.Conflict, Message: ErrCannotRedirect.Message + " (" + found + ")", Err: ErrCannotRedirect}
	case from.Quantity-from.ShippedQuantity <= 0:
		return policy.Need{}, policy.Offer{}, 0, ErrNothingToRedirect
	}
	qty := from.Quantity - from.ShippedQuantity
	need, ok := a.Book.PolicyNeed(needID)
	offer, found := a.Book.PolicyOffer(from.SourceID)
	switch {
	case !ok:
		v.Add("need_id", "no need with this id")
	case need.ID == from.NeedID:
		v.Add("need_id", "is the need this allocation already serves; name another")
	case !found:
		v.Add("need_id", "the allocation's source %s is unknown to the matcher", from.SourceID)
	case need.Item != from.Item:
		v.Add("need_id", "is for %s; the allocation is for %s", need.Item, from.Item)
	}
	if err := v.Err(); err != nil {
		return policy.Need{}, policy.Offer{}, 0, err
	}
	if need.Cancelled || need.Stale {
		status := domain.NeedCancelled
		if need.Stale {
			status = domain.NeedStale
		}
		return policy.Need{}, policy.Offer{}, 0, &apperr.Error{Code: apperr.Conflict, Message: ErrTargetNotOpen.Message + " (it is " + status + ")", Err: ErrTargetNotOpen}
	}
	switch {
	case !slices.Contains(need.AcceptedStandards, offer.Standard):
		v.Add("need_id", "does not accept the source's standard %s (it accepts %s)", offer.Standard, strings.Join(need.AcceptedStandards, ", "))
	case offer.DirectedHospitalID != "" && offer.DirectedHospitalID != need.HospitalID:
		v.Add("need_id", "is another hospital's: the donor directed this donation to hospital %s", offer.DirectedHospitalID)
	case offer.DirectedRegion != "" && !policy.InRegion(need.Region, offer.DirectedRegion):
		v.Add("need_id", "is in region %s: the donor directed this donation to region %s", need.Region, offer.DirectedRegion)
	case qty > need.Remaining:
		v.Add("need_id", "lacks only %d units; the allocation has %d unshipped, which would over-serve it", max(need.Remaining, 0), qty)
	}
	return need, offer, qty, v.Err()
}

// redirected is from cancelled by the redirect that made to, as the
// redirect's second write stores it and its first write announces it: the
// regulator and the reason are to's.
func redirected(from, to domain.Allocation) (domain.Allocation, error) {
	if _, err := from.Cancel(to.Reason, to.DecidedBy, to.CreatedAt); err != nil {
		return domain.Allocation{}, err
	}
	from.RedirectedTo = to.ID
	return from, nil
}

// finishRedirects stores the cancellation of every allocation whose
// redirect stopped after its first write, from what the new allocation
// records; that write already announced it. The caller holds a.mu; the
// release event has the item matched again through the rematch consumer.
func (a *App) finishRedirects(ctx context.Context) error {
	froms, tos := a.Book.HalfRedirected()
	for i, from := range froms {
		cancelled, err := redirected(from, tos[i])
		if err != nil {
			// Nothing changes an allocation between the two writes (every
			// change finishes redirects first): this is a bug.
			return fmt.Errorf("%w: redirect of %s to %s cannot be finished: %w", policy.ErrInvariant, from.ID, tos[i].ID, err)
		}
		cancelled.Writer = tos[i].Writer // the write that announced it
		if err := a.Repo.UpdateAllocation(ctx, cancelled); err != nil {
			return err
		}
		a.Book.PutAllocation(cancelled)
	}
	return nil
}
