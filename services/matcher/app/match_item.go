package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aidflow/aidflow/services/matcher/domain"
	"github.com/aidflow/aidflow/services/matcher/domain/policy"
)

// matchItem runs the policy over one item's market and stores each
// decision as an allocation. The caller holds a.mu.
//
// Crash safety: the i-th allocation of the run triggered by event E has the
// id NewAllocationID(E, item, i). Numbering starts after the allocations
// E's run already made for the item (a crash may have stopped it midway), so a replayed event
// completes the run from the state it left: nothing is issued twice and
// nothing decided is lost. Should an id be taken all the same (the book
// missed a write), the stored allocation is read back into the book and
// the run fails, to be retried by the consumer from the corrected state.
//
// Incremental: a run gives the policy only the part of the item that
// changed since its last run that day, when that run succeeded (see
// domain.Book.MarketToMatch); the decisions are those of the whole item.
// Any failure makes the next run look at the whole item.
func (a *App) matchItem(ctx context.Context, trig Trigger, item string) (err error) {
	if err := a.ready(ctx); err != nil {
		return err
	}
	today := Today(trig.Time)
	defer func() {
		if err != nil {
			a.Book.Unsettle(item)
		} else {
			a.Book.Settle(item, today)
		}
	}()
	needs, offers, decisions := a.decide(item, today)
	if len(decisions) == 0 {
		return nil
	}
	if err := policy.Check(needs, offers, decisions); err != nil {
		return fmt.Errorf("match %s after event %s: %w", item, trig.EventID, err)
	}
	next := a.Book.RunCount(trig.EventID, item)
	for _, d := range decisions {
		need, _ := a.Book.Need(d.NeedID)
		offer, _ := a.Book.Offer(d.OfferID)
		al, evs := domain.NewAllocation(domain.NewAllocationInput{
			ID: domain.NewAllocationID(trig.EventID, item, next), Need: need, Offer: offer, Quantity: d.Quantity,
			DecidedBy: policy.Version, Reason: d.Reason, RunID: trig.EventID, TTL: a.TTL, Writer: a.writer(),
		}, a.Now())
		next++
		if err := a.Repo.InsertAllocation(ctx, al, evs...); err != nil {
			if errors.Is(err, domain.ErrAllocationExists) {
				if stored, gerr := a.Repo.GetAllocation(ctx, al.ID); gerr == nil {
					a.Book.PutAllocation(stored)
				}
				// Not wrapped: a conflict here is for retrying, not for
				// refusing the event.
				return fmt.Errorf("match %s after event %s: allocation %s was already stored; matching again", item, trig.EventID, al.ID)
			}
			return fmt.Errorf("match %s after event %s: store allocation: %w", item, trig.EventID, err)
		}
		a.Book.PutAllocation(al)
		a.Log.InfoContext(ctx, "allocation proposed", "allocation_id", al.ID, "item", item, "need_id", al.NeedID,
			"source_id", al.SourceID, "quantity", al.Quantity, "status", al.Status)
	}
	return a.checkConserved(needs, offers, decisions)
}

// firstRanks is how many needs, in rank order, an incremental run first
// gives the policy (domain.Book.MarketToMatch); it asks for eight times as
// many while units are left over.
var firstRanks = 64

// decide runs the policy for an item on the day today over what
// domain.Book.MarketToMatch says it must see, or over the whole item
// (WholeItems).
func (a *App) decide(item string, today time.Time) ([]policy.Need, []policy.Offer, []policy.Decision) {
	if a.WholeItems {
		needs, offers := a.Book.Market(item)
		return needs, offers, policy.Match(needs, offers, today)
	}
	for limit := firstRanks; ; limit *= 8 {
		needs, offers, complete := a.Book.MarketToMatch(item, today, limit)
		if len(needs) == 0 || len(offers) == 0 {
			return nil, nil, nil
		}
		decisions := policy.Match(needs, offers, today)
		if complete || unitsLeft(offers, decisions) == 0 {
			return needs, offers, decisions
		}
	}
}

// unitsLeft is what the offers have left after the decisions.
func unitsLeft(offers []policy.Offer, decisions []policy.Decision) int64 {
	var n int64
	for _, o := range offers {
		n += max(o.Remaining, 0)
	}
	for _, d := range decisions {
		n -= d.Quantity
	}
	return n
}

// checkConserved verifies, after the writes, that every need and source a
// run touched moved by exactly what was decided: nothing over-served or
// over-allocated behind the policy's back.
func (a *App) checkConserved(needs []policy.Need, offers []policy.Offer, ds []policy.Decision) error {
	given, taken := map[string]int64{}, map[string]int64{}
	for _, d := range ds {
		given[d.NeedID] += d.Quantity
		taken[d.OfferID] += d.Quantity
	}
	for _, n := range needs {
		if q, ok := given[n.ID]; ok {
			if after := a.Book.NeedRemaining(n.ID); after != n.Remaining-q || after < 0 {
				return fmt.Errorf("%w: need %s lacked %d, was given %d, now lacks %d", policy.ErrInvariant, n.ID, n.Remaining, q, after)
			}
		}
	}
	for _, o := range offers {
		if q, ok := taken[o.ID]; ok {
			if after := a.Book.OfferRemaining(o.ID); after != o.Remaining-q || after < 0 {
				return fmt.Errorf("%w: source %s had %d, gave %d, now has %d", policy.ErrInvariant, o.ID, o.Remaining, q, after)
			}
		}
	}
	return nil
}
