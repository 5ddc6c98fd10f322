package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/matcher/adapters/memory"
	"github.com/aidflow/aidflow/services/matcher/app"
	"github.com/aidflow/aidflow/services/matcher/domain"
	"github.com/aidflow/aidflow/services/matcher/domain/policy"
	"github.com/aidflow/aidflow/shared/apperr"
	"github.com/aidflow/aidflow/shared/auth"
)

// world drives one App through a random sequence of events and commands,
// as the consumers and the routes would, and checks the invariants after
// every step.
type world struct {
	t    *testing.T
	ctx  context.Context
	r    *rand.Rand
	repo *memory.Repository
	app  *app.App
	now  time.Time
	seq  int
	// seen is how many of the repository's events were already handed to
	// the rematch consumer.
	seen int
	// capacity is each report's latest available_now (reports never lower
	// it here, so a negative remainder would be the matcher's doing).
	capacity map[string]int64
	needs    []string
	// last is the latest state each allocation's events announced.
	last map[string]events.Allocation
	// whole makes every run look at the whole item (App.WholeItems).
	whole bool
}

var (
	propItems   = []string{"ventilator", "n95-respirator"}
	propRegions = []string{"420100", "330100", "110000", "440300"}
)

func newWorld(t *testing.T, seed uint64, whole bool) *world {
	w := &world{t: t, ctx: context.Background(), r: rand.New(rand.NewPCG(seed, 11)), repo: memory.New(), now: t0, capacity: map[string]int64{}, last: map[string]events.Allocation{},
		whole: whole}
	w.open()
	return w
}

// open starts an App on the world's repository, as a restart does.
func (w *world) open() {
	w.t.Helper()
	w.app = app.New(w.repo, 48*time.Hour)
	w.app.Now = func() time.Time { return w.now }
	w.app.WholeItems = w.whole
	w.app.NewOverrideID = func() string { return fmt.Sprintf("alloc_override_%d", w.seq) }
	if err := w.app.Load(w.ctx); err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) trigger() app.Trigger {
	w.seq++
	return app.Trigger{EventID: fmt.Sprintf("evt_%04d", w.seq), Time: w.now}
}

func (w *world) pick(list []string) string { return list[w.r.IntN(len(list))] }

// step does one random thing; the App must accept every event, and may
// refuse a command only with a domain error (409, 422, 404).
func (w *world) step() string {
	w.t.Helper()
	w.now = w.now.Add(time.Duration(w.r.IntN(6)) * time.Hour)
	var err error
	var what string
	hosp := fmt.Sprintf("h%d", w.r.IntN(4))
	w.seq++ // numbers overrides too
	switch op := w.r.IntN(15); {
	case op < 3:
		id := fmt.Sprintf("need_%d", len(w.needs))
		w.needs = append(w.needs, id)
		item := w.pick(propItems)
		what = "need_posted " + id
		err = w.app.NeedPosted(w.ctx, w.trigger(), events.NeedPosted{NeedID: id, HospitalID: hosp, Item: item, Region: w.pick(propRegions),
			Quantity: int64(1 + w.r.IntN(200)), Urgency: w.pick([]string{"critical", "high", "normal"}),
			NeededBy: w.now.AddDate(0, 0, w.r.IntN(10)-1).Format(time.DateOnly)})
	case op == 3 && len(w.needs) > 0:
		typ := w.pick([]string{events.NeedCancelledType, events.NeedStaleType, events.NeedConfirmedType})
		id := w.pick(w.needs)
		what = typ + " " + id
		err = w.app.NeedStatusChanged(w.ctx, w.trigger(), typ, events.NeedChanged{NeedID: id})
	case op < 6:
		id := fmt.Sprintf("cap_%d", w.r.IntN(5))
		avail := w.capacity[id] + int64(w.r.IntN(150))
		w.capacity[id] = avail
		what = "capacity_reported " + id
		item := propItems[len(id)%2]
		err = w.app.CapacityReported(w.ctx, w.trigger(), events.CapacityReported{CapacityID: id, ManufacturerID: "m" + id[4:], Item: item,
			Region: w.pick(propRegions), AvailableNow: avail, LeadTimeDays: w.r.IntN(3), Revision: int64(w.seq)})
	case op == 6:
		id := fmt.Sprintf("don_%d", w.seq)
		d := events.DonationPledged{DonationID: id, DonorID: "d1", Region: w.pick(propRegions)}
		if w.r.IntN(3) == 0 {
			d.DirectedHospitalID = hosp
		}
		d.Lines = []events.DonationLine{{OfferID: id + "/0", Item: w.pick(propItems), Quantity: int64(1 + w.r.IntN(100))}}
		what = "donation_pledged " + id
		err = w.app.DonationPledged(w.ctx, w.trigger(), d)
	case op == 7:
		what = "stock_reported " + hosp
		err = w.app.StockReported(w.ctx, w.trigger(), events.StockReported{HospitalID: hosp, Item: w.pick(propItems),
			OnHand: int64(w.r.IntN(50)), DailyConsumption: int64(w.r.IntN(10))})
	case op == 8:
		what = "org_registered " + hosp
		err = w.app.HospitalRegistered(w.ctx, w.trigger(), events.OrgRegistered{OrgID: hosp, Role: "hospital", Region: w.pick(propRegions),
			FacilityType: w.pick([]string{"designated", "general"})})
	case op == 9:
		what = "expire"
		_, err = w.app.ExpireAllocations(w.ctx)
	case op == 10:
		what = "sweep"
		err = w.app.Sweep(w.ctx)
	case op == 11:
		what = "restart"
		w.open()
	default:
		what, err = w.command()
	}
	if err != nil && !isDomainError(err) {
		w.t.Fatalf("%s: %v", what, err)
	}
	w.rematch()
	return what
}

func isDomainError(err error) bool {
	var ae *apperr.Error
	return errors.As(err, &ae) && !errors.Is(err, policy.ErrInvariant)
}

// command is a lifecycle command on a random allocation by the party
// allowed to make it (or a regulator's override).
func (w *world) command() (string, error) {
	as, _ := w.app.Book.List(domain.ListFilter{Limit: 1 << 20})
	if len(as) == 0 {
		return "no allocation yet", nil
	}
	al := as[w.r.IntN(len(as))]
	src := app.Actor{OrgID: al.SourceOrgID, Role: auth.Manufacturer}
	if al.SourceKind == policy.KindDonation {
		src.Role = auth.Donor
	}
	reg := app.Actor{OrgID: "reg", Role: auth.Regulator}
	var err error
	op := []string{"accept", "decline", "dispatch", "receive", "cancel", "override", "redirect"}[w.r.IntN(7)]
	switch op {
	case "accept":
		_, err = w.app.AcceptAllocation(w.ctx, src, al.ID)
	case "decline":
		_, err = w.app.DeclineAllocation(w.ctx, src, al.ID, "no stock")
	case "dispatch":
		_, err = w.app.DispatchAllocation(w.ctx, src, al.ID, domain.DispatchInput{ShippedQuantity: 1 + w.r.Int64N(al.Quantity)})
	case "receive":
		_, err = w.app.ReceiveAllocation(w.ctx, app.Actor{OrgID: al.HospitalID, Role: auth.Hospital}, al.ID,
			domain.ReceiptInput{ReceivedQuantity: w.r.Int64N(al.ShippedQuantity + 1)})
	case "cancel":
		_, err = w.app.CancelAllocation(w.ctx, reg, al.ID, "redirected")
	case "override":
		_, err = w.app.OverrideAllocation(w.ctx, reg, app.OverrideInput{NeedID: w.pick(w.needs), SourceKind: al.SourceKind,
			SourceID: al.SourceID, Quantity: 1 + w.r.Int64N(50), Reason: "by hand"})
	case "redirect":
		_, err = w.app.RedirectAllocation(w.ctx, reg, al.ID, app.RedirectInput{NeedID: w.pick(w.needs), Reason: "moved by hand"})
	}
	return op + " " + al.ID, err
}

// rematch hands the matcher's own release events to AllocationReleased,
// as its consumer does.
func (w *world) rematch() {
	w.t.Helper()
	// A rematch may announce new allocations: read on until none is new.
	for evs := w.repo.Events(); w.seen < len(evs); evs = w.repo.Events() {
		e := evs[w.seen]
		var d events.Allocation
		if err := json.Unmarshal(e.Data, &d); err != nil {
			w.t.Fatal(err)
		}
		w.last[d.AllocationID] = d
		switch e.Type {
		case events.AllocationDeclinedType, events.AllocationExpiredType, events.AllocationCancelledType:
			if err := w.app.AllocationReleased(w.ctx, app.Trigger{EventID: e.ID, Time: e.Time}, d); err != nil {
				w.t.Fatalf("rematch after %s: %v", e.ID, err)
			}
		}
		w.seen++
	}
}

// check verifies the invariants: no source over-allocated, no need
// over-served, and quantities conserved: every allocation's counts are
// consistent, each need's and donation's units add up, and the book, the
// store and the last event announced agree on every allocation.
func (w *world) check(after string) {
	w.t.Helper()
	b := w.app.Book
	for _, item := range b.Items() {
		needs, offers := b.Market(item)
		for _, n := range needs {
			if n.Remaining < 0 {
				w.t.Fatalf("after %s: need %s over-served: remaining %d", after, n.ID, n.Remaining)
			}
		}
		for _, o := range offers {
			if o.Remaining < 0 {
				w.t.Fatalf("after %s: source %s over-allocated: remaining %d", after, o.ID, o.Remaining)
			}
		}
	}
	w.checkIncremental(after)
	as, _ := b.List(domain.ListFilter{Limit: 1 << 20})
	given, gave := map[string]int64{}, map[string]int64{}
	for _, al := range as {
		if al.Quantity <= 0 || al.ShippedQuantity > al.Quantity || al.ReceivedQuantity+al.DamagedQuantity > al.ShippedQuantity {
			w.t.Fatalf("after %s: allocation %s counts inconsistent: %+v", after, al.ID, al)
		}
		stored, err := w.repo.GetAllocation(w.ctx, al.ID)
		if err != nil || stored.Version != al.Version || stored.Status != al.Status || stored.Quantity != al.Quantity {
			w.t.Fatalf("after %s: store and book disagree on %s: %+v / %+v (%v)", after, al.ID, stored, al, err)
		}
		if e := w.last[al.ID]; e.Version != al.Version || e.Status != al.Status || e.Quantity != al.Quantity || e.ShippedQuantity != al.ShippedQuantity {
			w.t.Fatalf("after %s: last event of %s is %+v, allocation %+v", after, al.ID, e, al)
		}
		given[al.NeedID] += al.Committed()
		if al.SourceKind == policy.KindDonation {
			gave[al.SourceID] += al.Committed()
		}
	}
	for id, q := range given {
		n, _ := b.Need(id)
		if q+b.NeedRemaining(id) != n.Quantity {
			w.t.Fatalf("after %s: need %s: %d committed + %d remaining != %d asked", after, id, q, b.NeedRemaining(id), n.Quantity)
		}
	}
	for id, q := range gave {
		o, _ := b.Offer(id)
		if q+b.OfferRemaining(id) != o.Quantity {
			w.t.Fatalf("after %s: donation %s: %d committed + %d remaining != %d pledged", after, id, q, b.OfferRemaining(id), o.Quantity)
		}
	}
}

// checkIncremental verifies, for every item settled today, that the
// policy decides over the part of the item a run would give it exactly
// what it decides over the whole item, whatever happened since the item's
// last run.
func (w *world) checkIncremental(after string) {
	w.t.Helper()
	b := w.app.Book
	today := app.Today(w.now)
	for _, item := range b.Items() {
		allNeeds, allOffers := b.Market(item)
		all, err := json.Marshal(policy.Match(allNeeds, allOffers, today))
		if err != nil {
			w.t.Fatal(err)
		}
		// Every limit, as a run asks with growing ones: the ranks given
		// decide as over the whole item once they leave no units over.
		for limit := 1; ; limit *= 2 {
			needs, offers, complete := b.MarketToMatch(item, today, limit)
			ds := policy.Match(needs, offers, today)
			left := int64(0)
			for _, o := range offers {
				left += o.Remaining
			}
			for _, d := range ds {
				left -= d.Quantity
			}
			if !complete && left > 0 {
				continue
			}
			part, err := json.Marshal(ds)
			if err != nil {
				w.t.Fatal(err)
			}
			if !bytes.Equal(part, all) {
				w.t.Fatalf("after %s: %s: the changed part (limit %d) decides %s, the whole item %s", after, item, limit, part, all)
			}
			break
		}
	}
}

// run plays seed's sequence and returns every allocation and every event,
// encoded; whole makes every run look at the whole item.
func run(t *testing.T, seed uint64, steps int, whole bool) []byte {
	t.Helper()
	w := newWorld(t, seed, whole)
	for range steps {
		w.check(w.step())
	}
	as, _ := w.app.Book.List(domain.ListFilter{Limit: 1 << 20})
	out, err := json.Marshal(struct {
		Allocations []domain.Allocation
		Events      []events.Envelope
	}{as, w.repo.Events()})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestPropertiesOverRandomSequences: on random sequences of events,
// commands, expiries, sweeps and restarts, the invariants hold after every
// step, and the same sequence gives byte-identical allocations and events
// whether each run looks at what changed (as in service) or at the whole
// item.
func TestPropertiesOverRandomSequences(t *testing.T) {
	// The smallest first step: incremental runs extend as often as they can.
	defer func(n int) { *app.FirstRanks = n }(*app.FirstRanks)
	*app.FirstRanks = 1
	for seed := range uint64(30) {
		first := run(t, seed, 100, false)
		if again := run(t, seed, 100, true); !bytes.Equal(first, again) {
			t.Fatalf("seed %d: the same sequence gave different allocations incrementally and over whole items", seed)
		}
	}
}
