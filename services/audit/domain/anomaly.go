package domain

import (
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/aidflow/aidflow/contracts/events"
)

// Anomaly rules, each with its threshold (README, "Anomaly rules").
const (
	RuleAcceptedNotDispatched = "accepted_not_dispatched"
	RuleDispatchedNoReceipt   = "dispatched_no_receipt"
	RuleShortReceipt          = "short_receipt"
	RulePriceAboveMedian      = "price_above_median"
	RulePledgeNotShipped      = "pledge_not_shipped"
	RuleDirectedGiftOverdue   = "directed_gift_overdue"
	RuleSupplyIdle            = "supply_idle_while_critical"
	RuleReceivedOverUse       = "received_over_consumption"
)

// Thresholds are the anomaly rules' numbers.
type Thresholds struct {
	// DispatchWithin: an accepted allocation not dispatched this long after
	// its acceptance is raised.
	DispatchWithin time.Duration
	// ReceiptWithin: a dispatched allocation with no receipt this long
	// after dispatch is raised; partial receipts have this long to add up
	// before ShortReceipt judges them.
	ReceiptWithin time.Duration
	// ShortReceipt: received (good) units below shipped × (1 − ShortReceipt)
	// are raised, once delivered or ReceiptWithin after dispatch.
	ShortReceipt float64
	// PriceFactor: a unit price above PriceFactor × the median of the item's
	// current prices is raised, when at least MinPrices sources priced it.
	PriceFactor float64
	MinPrices   int
	// ShipPledgeWithin: a donation none of whose units were dispatched this
	// long after the pledge is raised.
	ShipPledgeWithin time.Duration
	// IdleFor: supply reported available this long, continuously, while a
	// critical need for the same item has been open as long, is raised.
	IdleFor time.Duration
	// UseWindow and UseFactor: a hospital that received more than
	// UseFactor × its reported daily consumption × the window's days of an
	// item within UseWindow is raised.
	UseWindow time.Duration
	UseFactor float64
}

// DefaultThresholds are the numbers of issue 6.
var DefaultThresholds = Thresholds{
	DispatchWithin:   48 * time.Hour,
	ReceiptWithin:    72 * time.Hour,
	ShortReceipt:     0.05,
	PriceFactor:      3,
	MinPrices:        3,
	ShipPledgeWithin: 7 * 24 * time.Hour,
	IdleFor:          72 * time.Hour,
	UseWindow:        14 * 24 * time.Hour,
	UseFactor:        3,
}

// Anomaly is a subject found out of bounds by a rule; ID (rule:subject)
// makes it one per rule and subject.
type Anomaly struct {
	ID          string
	Rule        string
	SubjectKind string
	SubjectID   string
	OrgID       string
	Item        string
	Region      string
	Threshold   string
	Observed    string
	Since       time.Time
	RaisedAt    time.Time
}

// Event is the anomaly_raised data of a.
func (a Anomaly) Event() events.AnomalyRaised {
	return events.AnomalyRaised{
		AnomalyID: a.ID, Rule: a.Rule, SubjectKind: a.SubjectKind, SubjectID: a.SubjectID,
		OrgID: a.OrgID, Item: a.Item, Region: a.Region, Threshold: a.Threshold, Observed: a.Observed,
		Since: a.Since.UTC().Format(time.RFC3339), RaisedAt: a.RaisedAt.UTC().Format(time.RFC3339),
	}
}

// AnomalyID is the id of a rule's anomaly about a subject.
func AnomalyID(rule, subject string) string { return rule + ":" + subject }

// Watch is what the anomaly rules look at, built from the recorded events
// (Observe each, in log order; replays are harmless): the latest state of
// every allocation, capacity report and donation. Not safe for concurrent
// use; app.App guards it.
type Watch struct {
	allocs    map[string]*allocWatch
	caps      map[string]capWatch
	donations map[string]*donationWatch
	// shipped holds the donations some of whose units were dispatched.
	shipped map[string]bool
	// overdue holds directed gifts the donation service flagged.
	overdue map[string]events.DirectedGiftOverdue
	needs   map[string]*needWatch
	// stock is each hospital's latest stock report per item.
	stock map[string]stockWatch
}

type needWatch struct {
	n        events.NeedPosted
	postedAt time.Time
	// status is the latest status, at statusAt.
	status   string
	statusAt time.Time
}

type stockWatch struct {
	s  events.StockReported
	at time.Time
}

type allocWatch struct {
	a                        events.Allocation
	acceptedAt, dispatchedAt time.Time
	receipt                  bool
	// receivedAt is the time of the latest receipt.
	receivedAt time.Time
}

type capWatch struct {
	c  events.CapacityReported
	at time.Time
	// availableSince is when the source began reporting units available
	// without a report of none since.
	availableSince time.Time
}

type donationWatch struct {
	d  events.DonationPledged
	at time.Time
}

// NewWatch returns an empty watch.
func NewWatch() *Watch {
	return &Watch{allocs: map[string]*allocWatch{}, caps: map[string]capWatch{}, donations: map[string]*donationWatch{}, shipped: map[string]bool{}, overdue: map[string]events.DirectedGiftOverdue{},
		needs: map[string]*needWatch{}, stock: map[string]stockWatch{}}
}

// Observe takes in one recorded event, in any order: allocation snapshots
// apply only when newer (by version) than the one held, capacity reports
// by revision; the time of acceptance and dispatch is the time of the
// event that made it.
func (w *Watch) Observe(e events.Envelope) {
	switch {
	case slices.Contains(events.AllocationTypes, e.Type):
		var a events.Allocation
		if e.Decode(&a) != nil || a.AllocationID == "" {
			return
		}
		s := w.allocs[a.AllocationID]
		if s == nil {
			s = &allocWatch{}
			w.allocs[a.AllocationID] = s
		}
		// The times and the receipt are kept whatever order events come
		// in (a replay, a scan at start); the snapshot only if newer.
		switch e.Type {
		case events.AllocationAcceptedType:
			s.acceptedAt = e.Time
		case events.AllocationDispatchedType:
			s.dispatchedAt = e.Time
		case events.AllocationReceivedType:
			s.receipt = true
			if e.Time.After(s.receivedAt) {
				s.receivedAt = e.Time
			}
		}
		if a.SourceKind == "donation" && a.ShippedQuantity > 0 {
			w.shipped[donationOf(a.SourceID)] = true
		}
		if s.a.AllocationID == "" || a.Version > s.a.Version {
			s.a = a
		}
	case e.Type == events.CapacityReportedType:
		var c events.CapacityReported
		if e.Decode(&c) != nil || c.CapacityID == "" {
			return
		}
		old, ok := w.caps[c.CapacityID]
		if ok && old.c.Revision >= c.Revision {
			return
		}
		cw := capWatch{c: c, at: e.Time}
		if c.AvailableNow > 0 {
			cw.availableSince = e.Time
			if ok && old.c.AvailableNow > 0 && old.c.Revision == c.Revision-1 {
				cw.availableSince = old.availableSince
			}
		}
		w.caps[c.CapacityID] = cw
	case e.Type == events.DonationPledgedType:
		var d events.DonationPledged
		if e.Decode(&d) != nil || d.DonationID == "" {
			return
		}
		if _, ok := w.donations[d.DonationID]; !ok {
			w.donations[d.DonationID] = &donationWatch{d: d, at: e.Time}
		}
	case e.Type == events.NeedPostedType:
		var n events.NeedPosted
		if e.Decode(&n) != nil || n.NeedID == "" {
			return
		}
		nw := w.need(n.NeedID)
		nw.n, nw.postedAt = n, e.Time
		if nw.statusAt.IsZero() {
			nw.status, nw.statusAt = "open", e.Time
		}
	case e.Type == events.NeedConfirmedType || e.Type == events.NeedCancelledType || e.Type == events.NeedStaleType:
		var n events.NeedChanged
		if e.Decode(&n) != nil || n.NeedID == "" {
			return
		}
		if nw := w.need(n.NeedID); !e.Time.Before(nw.statusAt) {
			nw.status, nw.statusAt = n.Status, e.Time
		}
	case e.Type == events.StockReportedType:
		var st events.StockReported
		if e.Decode(&st) != nil || st.HospitalID == "" {
			return
		}
		k := st.HospitalID + "/" + st.Item
		if old, ok := w.stock[k]; !ok || !e.Time.Before(old.at) {
			w.stock[k] = stockWatch{s: st, at: e.Time}
		}
	case e.Type == events.DirectedGiftOverdueType:
		var o events.DirectedGiftOverdue
		if e.Decode(&o) == nil && o.DonationID != "" {
			w.overdue[o.DonationID] = o
		}
	}
}

func (w *Watch) need(id string) *needWatch {
	nw := w.needs[id]
	if nw == nil {
		nw = &needWatch{}
		w.needs[id] = nw
	}
	return nw
}

// donationOf is the donation of a donation offer id ("<donation>/<line>").
func donationOf(offerID string) string {
	for i := len(offerID) - 1; i >= 0; i-- {
		if offerID[i] == '/' {
			return offerID[:i]
		}
	}
	return offerID
}

// Evaluate returns every anomaly the rules find at now, ordered by id;
// the caller raises the ones not raised before.
func (w *Watch) Evaluate(now time.Time, t Thresholds) []Anomaly {
	var out []Anomaly
	add := func(a Anomaly) {
		a.ID = AnomalyID(a.Rule, a.SubjectID)
		a.RaisedAt = now
		out = append(out, a)
	}
	for id, s := range w.allocs {
		a := s.a
		alloc := Anomaly{SubjectKind: "allocation", SubjectID: id, Item: a.Item}
		switch {
		case a.Status == "accepted" && !s.acceptedAt.IsZero() && now.Sub(s.acceptedAt) > t.DispatchWithin:
			alloc.Rule, alloc.OrgID, alloc.Region, alloc.Since = RuleAcceptedNotDispatched, a.SourceOrgID, a.SourceRegion, s.acceptedAt
			alloc.Threshold = "dispatched within " + hours(t.DispatchWithin)
			alloc.Observed = fmt.Sprintf("accepted %s ago, not dispatched", hours(now.Sub(s.acceptedAt)))
			add(alloc)
		case a.Status == "dispatched" && !s.receipt && !s.dispatchedAt.IsZero() && now.Sub(s.dispatchedAt) > t.ReceiptWithin:
			alloc.Rule, alloc.OrgID, alloc.Region, alloc.Since = RuleDispatchedNoReceipt, a.HospitalID, a.HospitalRegion, s.dispatchedAt
			alloc.Threshold = "receipt within " + hours(t.ReceiptWithin)
			alloc.Observed = fmt.Sprintf("dispatched %s ago (%d units), no receipt", hours(now.Sub(s.dispatchedAt)), a.ShippedQuantity)
			add(alloc)
		}
		settled := a.Status == "delivered" || (s.receipt && !s.dispatchedAt.IsZero() && now.Sub(s.dispatchedAt) > t.ReceiptWithin)
		if settled && a.ShippedQuantity > 0 && float64(a.ReceivedQuantity) < float64(a.ShippedQuantity)*(1-t.ShortReceipt) {
			short := Anomaly{Rule: RuleShortReceipt, SubjectKind: "allocation", SubjectID: id, Item: a.Item, OrgID: a.SourceOrgID, Region: a.HospitalRegion, Since: s.dispatchedAt}
			short.Threshold = fmt.Sprintf("received at least %g%% of shipped", 100*(1-t.ShortReceipt))
			short.Observed = fmt.Sprintf("shipped %d, received %d (%d damaged): %.1f%% short", a.ShippedQuantity, a.ReceivedQuantity, a.DamagedQuantity,
				100*float64(a.ShippedQuantity-a.ReceivedQuantity)/float64(a.ShippedQuantity))
			add(short)
		}
	}
	w.priceAnomalies(t, add)
	for id, d := range w.donations {
		if !w.shipped[id] && now.Sub(d.at) > t.ShipPledgeWithin {
			var units int64
			item := ""
			for _, l := range d.d.Lines {
				units += l.Quantity
				item = l.Item
			}
			if len(d.d.Lines) > 1 {
				item = ""
			}
			add(Anomaly{Rule: RulePledgeNotShipped, SubjectKind: "donation", SubjectID: id, OrgID: d.d.DonorID, Item: item, Region: d.d.Region, Since: d.at,
				Threshold: "some units dispatched within " + hours(t.ShipPledgeWithin),
				Observed:  fmt.Sprintf("%d units pledged %s ago, none dispatched", units, hours(now.Sub(d.at)))})
		}
	}
	for id, o := range w.overdue {
		since, _ := time.Parse(time.RFC3339, o.DueAt)
		add(Anomaly{Rule: RuleDirectedGiftOverdue, SubjectKind: "donation", SubjectID: id, OrgID: o.DirectedHospitalID, Region: o.DirectedRegion, Since: since,
			Threshold: "directed gift delivered by " + o.DueAt + " (the donation service's rule: 3 days)",
			Observed:  fmt.Sprintf("%d of %d units delivered", o.Delivered, o.Pledged)})
	}
	w.idleSupply(now, t, add)
	w.overUse(now, t, add)
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// live says an allocation still holds or held units for its need.
func live(status string) bool {
	switch status {
	case "declined", "expired", "cancelled":
		return false
	}
	return true
}

// idleSupply adds capacity reported available for IdleFor while a
// critical need for the item has had an unallocated shortage as long.
func (w *Watch) idleSupply(now time.Time, t Thresholds, add func(Anomaly)) {
	allocated := map[string]int64{}
	for _, s := range w.allocs {
		if live(s.a.Status) {
			allocated[s.a.NeedID] += s.a.Quantity
		}
	}
	type shortage struct {
		needs int
		units int64
		since time.Time
	}
	short := map[string]*shortage{} // by item
	for id, nw := range w.needs {
		if nw.n.Urgency != "critical" || nw.postedAt.IsZero() || now.Sub(nw.postedAt) < t.IdleFor {
			continue
		}
		if nw.status == "cancelled" || nw.status == "stale" || nw.status == "fulfilled" {
			continue
		}
		gap := nw.n.Quantity - allocated[id]
		if gap <= 0 {
			continue
		}
		sh := short[nw.n.Item]
		if sh == nil {
			sh = &shortage{since: nw.postedAt}
			short[nw.n.Item] = sh
		}
		sh.needs++
		sh.units += gap
		if nw.postedAt.Before(sh.since) {
			sh.since = nw.postedAt
		}
	}
	for id, c := range w.caps {
		sh := short[c.c.Item]
		if sh == nil || c.c.AvailableNow <= 0 || c.availableSince.IsZero() || now.Sub(c.availableSince) < t.IdleFor {
			continue
		}
		add(Anomaly{Rule: RuleSupplyIdle, SubjectKind: "capacity", SubjectID: id, OrgID: c.c.ManufacturerID, Item: c.c.Item, Region: c.c.Region,
			Since: later(c.availableSince, sh.since), Threshold: "available supply and open critical needs of the item both last under " + hours(t.IdleFor),
			Observed: fmt.Sprintf("%d units available since %s; %d critical needs short of %d units open since %s",
				c.c.AvailableNow, c.availableSince.UTC().Format(time.RFC3339), sh.needs, sh.units, sh.since.UTC().Format(time.RFC3339))})
	}
}

// overUse adds hospitals that received far more of an item within
// UseWindow than their latest stock report says they use.
func (w *Watch) overUse(now time.Time, t Thresholds, add func(Anomaly)) {
	received := map[string]int64{}
	region := map[string]string{}
	first := map[string]time.Time{}
	for _, s := range w.allocs {
		if !s.receipt || now.Sub(s.receivedAt) > t.UseWindow || s.a.ReceivedQuantity <= 0 {
			continue
		}
		k := s.a.HospitalID + "/" + s.a.Item
		received[k] += s.a.ReceivedQuantity
		region[k] = s.a.HospitalRegion
		if f, ok := first[k]; !ok || s.receivedAt.Before(f) {
			first[k] = s.receivedAt
		}
	}
	days := t.UseWindow.Hours() / 24
	for k, got := range received {
		st, ok := w.stock[k]
		if !ok || st.s.DailyConsumption <= 0 {
			continue
		}
		limit := t.UseFactor * float64(st.s.DailyConsumption) * days
		if float64(got) <= limit {
			continue
		}
		add(Anomaly{Rule: RuleReceivedOverUse, SubjectKind: "hospital_item", SubjectID: k, OrgID: st.s.HospitalID, Item: st.s.Item, Region: region[k], Since: first[k],
			Threshold: fmt.Sprintf("received within %s at most %g× reported daily consumption × %g days", hours(t.UseWindow), t.UseFactor, days),
			Observed:  fmt.Sprintf("received %d; reported consumption %d a day (limit %.0f)", got, st.s.DailyConsumption, limit)})
	}
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// priceAnomalies adds current unit prices far above the median of the
// item's current prices (every source's latest report that gives one).
func (w *Watch) priceAnomalies(t Thresholds, add func(Anomaly)) {
	byItem := map[string][]int64{}
	for _, c := range w.caps {
		if c.c.UnitPrice > 0 {
			byItem[c.c.Item] = append(byItem[c.c.Item], c.c.UnitPrice)
		}
	}
	for id, c := range w.caps {
		prices := byItem[c.c.Item]
		if c.c.UnitPrice <= 0 || len(prices) < t.MinPrices {
			continue
		}
		m := median(prices)
		if float64(c.c.UnitPrice) > t.PriceFactor*m {
			add(Anomaly{Rule: RulePriceAboveMedian, SubjectKind: "capacity", SubjectID: id, OrgID: c.c.ManufacturerID, Item: c.c.Item, Region: c.c.Region, Since: c.at,
				Threshold: fmt.Sprintf("unit price at most %g× the item's median of %d prices", t.PriceFactor, len(prices)),
				Observed:  fmt.Sprintf("unit price %d against a median of %g (%.1f×)", c.c.UnitPrice, m, float64(c.c.UnitPrice)/m)})
		}
	}
}

func median(xs []int64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return float64(s[n/2])
	}
	return float64(s[n/2-1]+s[n/2]) / 2
}

func hours(d time.Duration) string { return fmt.Sprintf("%.0fh", d.Hours()) }
