package domain

import (
	"maps"
	"slices"
	"time"

	"github.com/aidflow/aidflow/services/matcher/domain/policy"
)

// An item is settled on a day when the policy, run that day over the
// item, would decide nothing: no open need that lacks units has an offer
// with units that can serve it (policy.CanServe). Every successful run
// leaves its item settled on its day (the policy stops only when no pair
// it was given can serve any more, and it only takes units away from the
// rest). From then on, until the day changes, a pair that can serve must
// involve a need or an offer that changed since: nothing else that a pair
// depends on moves (stock reports and facility types order needs, they do
// not make pairs). So a run on a settled item gives the policy only the
// changed needs and offers that can serve, with their partners, and the
// policy decides exactly what it would over the whole item (a need or an
// offer in no such pair takes part in no decision; see policy.CanServe).
// The property tests play random histories both ways and compare the
// allocations byte for byte.

// itemChanges is what changed in an item since it was settled on day.
type itemChanges struct {
	day    string
	needs  map[string]bool
	offers map[string]bool
}

// changedNeed keeps the wanting queue current and notes the change. The
// caller holds b.mu for writing.
func (b *Book) changedNeed(n *Need) {
	b.needLeft[n.ID] = b.needRemaining(n.ID)
	b.requeue(n)
	if c := b.settled[n.Item]; c != nil {
		c.needs[n.ID] = true
	}
}

// requeue puts an open need that lacks units in its place in its item's
// queue (its policy.Order moves with its hospital's stock report and
// facility type), and takes any other need out. The caller holds b.mu
// for writing.
func (b *Book) requeue(n *Need) {
	q := b.wanting[n.Item]
	if q == nil {
		q = &needQueue{byOrder: map[policy.Order]map[string]bool{}, of: map[string]policy.Order{}}
		b.wanting[n.Item] = q
	}
	q.remove(n.ID)
	if n.Status == NeedOpen && b.needLeft[n.ID] > 0 {
		q.add(n.ID, policy.OrderOf(b.rankedNeed(n)))
	}
}

// needQueue is an item's open needs that lack units, grouped by
// policy.Order, the groups in order: read group by group they come rank
// by rank on any day.
type needQueue struct {
	orders  []policy.Order
	byOrder map[policy.Order]map[string]bool
	of      map[string]policy.Order
}

func (q *needQueue) add(id string, o policy.Order) {
	q.of[id] = o
	g := q.byOrder[o]
	if g == nil {
		g = map[string]bool{}
		q.byOrder[o] = g
		i, _ := slices.BinarySearchFunc(q.orders, o, policy.Order.Compare)
		q.orders = slices.Insert(q.orders, i, o)
	}
	g[id] = true
}

func (q *needQueue) remove(id string) {
	o, ok := q.of[id]
	if !ok {
		return
	}
	delete(q.of, id)
	g := q.byOrder[o]
	delete(g, id)
	if len(g) == 0 {
		delete(q.byOrder, o)
		if i, found := slices.BinarySearchFunc(q.orders, o, policy.Order.Compare); found {
			q.orders = slices.Delete(q.orders, i, i+1)
		}
	}
}

func (q *needQueue) has(id string) bool {
	if q == nil {
		return false
	}
	_, ok := q.of[id]
	return ok
}

func (q *needQueue) ids() []string {
	if q == nil {
		return nil
	}
	return slices.Sorted(maps.Keys(q.of))
}

// changedOffer keeps the withUnits set current and notes the change. The
// caller holds b.mu for writing.
func (b *Book) changedOffer(o *Offer) {
	b.offerLeft[o.ID] = b.offerRemaining(o.ID)
	setMember(b.withUnits, o.Item, o.ID, b.offerLeft[o.ID] > 0)
	if c := b.settled[o.Item]; c != nil {
		c.offers[o.ID] = true
	}
}

func setMember(sets map[string]map[string]bool, key, id string, in bool) {
	s := sets[key]
	switch {
	case in && s == nil:
		sets[key] = map[string]bool{id: true}
	case in:
		s[id] = true
	default:
		delete(s, id)
	}
}

// Settle records that a run on the day today left the item with nothing
// more to match: the next run that day looks only at what changes.
func (b *Book) Settle(item string, today time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.settled[item] = &itemChanges{day: today.Format(time.DateOnly), needs: map[string]bool{}, offers: map[string]bool{}}
}

// Unsettle makes the item's next run look at the whole item (a run that
// failed midway left it in no known state).
func (b *Book) Unsettle(item string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.settled, item)
}

// MarketToMatch is what a run of the policy for an item on the day today
// must be given, as Market presents it.
//
// When the item is not settled on that day: the whole item's open needs
// that lack units and offers that have some; complete is true.
//
// When it is: only the changed needs and offers that may serve, with
// their partners (nothing when nothing changed could serve: nothing to
// decide). The needs then come in rank order (policy.RankOf) and only
// whole ranks, at least the first limit needs of them; complete is false
// when needs of later ranks were left out. Match decides for the ranks it
// is given exactly what it decides for them over the whole item, and
// decides nothing for later ranks once the offers are exhausted: a caller
// whose decisions leave units in the offers asks again with a larger
// limit.
func (b *Book) MarketToMatch(item string, today time.Time, limit int) (needs []policy.Need, offers []policy.Offer, complete bool) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	q := b.wanting[item]
	c := b.settled[item]
	if c == nil || c.day != today.Format(time.DateOnly) {
		return b.policyNeeds(q.ids()), b.policyOffers(slices.Sorted(maps.Keys(b.withUnits[item]))), true
	}
	offerIDs := map[string]bool{}
	// A changed need against every offer with units: once an item is
	// settled these are the offers no open need can use (another
	// standard, too far), checked cheaply first, then in full.
	var paired []string
	for id := range c.needs {
		if !q.has(id) {
			continue
		}
		n := b.needs[id]
		view := servedNeed(n)
		var full *policy.Need
		for oid := range b.withUnits[item] {
			o := b.offers[oid]
			if !policy.MayServe(view, servingOffer(o), today) {
				continue
			}
			if full == nil {
				pn := b.policyNeed(n)
				full = &pn
			}
			if policy.CanServe(*full, b.policyOffer(o), today) {
				offerIDs[oid] = true
				if !slices.Contains(paired, id) {
					paired = append(paired, id)
				}
			}
		}
	}
	// Changed offers with units against the open needs that lack units,
	// read rank by rank until limit needs may be served by them and the
	// rank is complete. The needs' exclusions are not read: a need kept
	// that an offer may not serve after all takes no part in a decision.
	var changed []*policy.Reach
	for id := range c.offers {
		if b.withUnits[item][id] {
			changed = append(changed, policy.NewReach(servingOffer(b.offers[id]), today))
		}
	}
	included := map[string]bool{}
	complete = true
	var cut policy.Rank
	if len(changed) > 0 && q != nil {
		for _, ord := range q.orders {
			rank := ord.RankOn(today)
			if limit > 0 && len(included) >= limit && rank.Compare(cut) != 0 {
				complete = false
				break
			}
			cut = rank
			for id := range q.byOrder[ord] {
				view := servedNeed(b.needs[id])
				for _, r := range changed {
					if r.MayServe(view) {
						included[id], offerIDs[r.Offer().ID] = true, true
					}
				}
			}
		}
	}
	for _, id := range paired {
		if !complete && q.of[id].RankOn(today).Compare(cut) > 0 {
			continue
		}
		included[id] = true
	}
	if len(offerIDs) == 0 {
		return nil, nil, true
	}
	return b.policyNeeds(slices.Sorted(maps.Keys(included))), b.policyOffers(slices.Sorted(maps.Keys(offerIDs))), complete
}

func (b *Book) policyNeeds(ids []string) []policy.Need {
	out := make([]policy.Need, 0, len(ids))
	for _, id := range ids {
		out = append(out, b.policyNeed(b.needs[id]))
	}
	return out
}

func (b *Book) policyOffers(ids []string) []policy.Offer {
	out := make([]policy.Offer, 0, len(ids))
	for _, id := range ids {
		out = append(out, b.policyOffer(b.offers[id]))
	}
	return out
}
