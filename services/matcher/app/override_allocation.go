package app

import (
	"context"
	"strings"

	"github.com/aidflow/aidflow/services/matcher/domain"
	"github.com/aidflow/aidflow/services/matcher/domain/policy"
	"github.com/aidflow/aidflow/shared/apperr"
)

// OverrideInput is a regulator's allocation by hand.
type OverrideInput struct {
	NeedID     string
	SourceKind string
	SourceID   string
	Quantity   int64
	Reason     string
}

// ErrNeedCancelled refuses an override for a need its hospital cancelled.
var ErrNeedCancelled = apperr.New(apperr.Conflict, "the need is cancelled; it takes no more allocations")

// OverrideAllocation makes an allocation a regulator decided, with the
// regulator's written reason, public like every decision. The invariants
// hold for it as for the policy: no more than the need lacks or the source
// has; and the rules that protect hospitals and donors hold too: only an
// accepted standard, a directed donation only where directed. It may serve
// a stale need (the regulator knows it is still wanted), and may use a
// source that gave the need's units back before (the regulator settled it). A capacity
// allocation waits for the manufacturer's acceptance; a donation's is
// accepted at once, as the policy's are. Sent with an Idempotency-Key, its
// id derives from the request key: sent again, it answers the allocation
// the first try made.
func (a *App) OverrideAllocation(ctx context.Context, actor Actor, in OverrideInput) (domain.Allocation, error) {
	in.NeedID, in.SourceID = strings.TrimSpace(in.NeedID), strings.TrimSpace(in.SourceID)
	var v apperr.Validation
	v.Check(in.NeedID != "", "need_id", "is required")
	v.Check(in.SourceKind == policy.KindCapacity || in.SourceKind == policy.KindDonation, "source_kind", "must be capacity or donation")
	v.Check(in.SourceID != "", "source_id", "is required")
	v.Check(in.Quantity >= 1, "quantity", "must be at least 1")
	reason := checkReason(&v, in.Reason)
	if err := v.Err(); err != nil {
		return domain.Allocation{}, err
	}

	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.ready(ctx); err != nil {
		return domain.Allocation{}, err
	}
	id := a.NewOverrideID()
	if actor.RequestKey != "" {
		id = domain.KeyedOverrideID(actor.RequestKey)
		if made, ok := a.Book.Allocation(id); ok {
			return made, nil
		}
	}
	need, ok := a.Book.PolicyNeed(in.NeedID)
	if !ok {
		v.Add("need_id", "no need with this id")
	}
	offer, found := a.Book.PolicyOffer(in.SourceID)
	if !found || offer.Kind != in.SourceKind {
		v.Add("source_id", "no %s source with this id", in.SourceKind)
	}
	if err := v.Err(); err != nil {
		return domain.Allocation{}, err
	}
	if need.Cancelled {
		return domain.Allocation{}, ErrNeedCancelled
	}
	switch {
	case need.Item != offer.Item:
		v.Add("source_id", "offers %s; the need is for %s", offer.Item, need.Item)
	case !policy.Admissible(need, offer):
		v.Add("source_id", "may not serve this need: its standard %s is not one the hospital accepts (%s), or the donor directed it elsewhere",
			offer.Standard, strings.Join(need.AcceptedStandards, ", "))
	}
	if in.Quantity > need.Remaining {
		v.Add("quantity", "must be at most %d: that is what the need still lacks", max(need.Remaining, 0))
	}
	if in.Quantity > offer.Remaining {
		v.Add("quantity", "must be at most %d: that is what the source has left", max(offer.Remaining, 0))
	}
	if err := v.Err(); err != nil {
		return domain.Allocation{}, err
	}

	n, _ := a.Book.Need(in.NeedID)
	o, _ := a.Book.Offer(in.SourceID)
	al, evs := domain.NewAllocation(domain.NewAllocationInput{
		ID: id, Need: n, Offer: o, Quantity: in.Quantity,
		DecidedBy: domain.RegulatorBy(actor.OrgID), Reason: reason, TTL: a.TTL, Writer: a.writer(),
	}, a.Now())
	if err := a.Repo.InsertAllocation(ctx, al, evs...); err != nil {
		return domain.Allocation{}, err
	}
	a.Book.PutAllocation(al)
	a.Log.InfoContext(ctx, "allocation made by a regulator", "allocation_id", al.ID, "regulator", actor.OrgID, "quantity", al.Quantity)
	d := policy.Decision{NeedID: need.ID, OfferID: offer.ID, Quantity: in.Quantity}
	return al, a.checkConserved([]policy.Need{need}, []policy.Offer{offer}, []policy.Decision{d})
}

// checkReason adds what is wrong with a written reason to v, with the
// other fields' problems, and returns it trimmed.
func checkReason(v *apperr.Validation, reason string) string {
	reason, err := domain.ValidReason(reason)
	if err != nil {
		for _, f := range apperr.As(err).Fields {
			v.Add(f.Field, "%s", f.Message)
		}
	}
	return reason
}
