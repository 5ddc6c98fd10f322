// Package policy is Aidflow's published matching policy (DESIGN.md,
// "Matching policy") as one pure function: a market in, decisions out. It
// does no I/O and reads no clock, so anyone can replay it with the same
// inputs and get the same decisions, the conformance cases are a table
// test, and a later version can replace the inside of Match without
// touching the service around it.
//
// Version 0.1, in words:
//  1. Only open needs are served (not cancelled, not stale, something still
//     outstanding). An offer only meets needs whose accepted product
//     standards include its standard, and a directed donation only the
//     hospital, city or province it was directed to.
//  2. Needs are served tier by tier: urgency class (critical, high, normal;
//     a hospital whose latest stock report shows under CriticalDaysOfSupply
//     days of supply of the item is critical for it, whatever it stated),
//     then frontline facilities (designated hospitals, fever clinics) before
//     others, then needed-by dates in 3-day windows from today, earlier
//     windows first.
//  3. Within a tier, when the units that can reach it are fewer than it
//     asks for, they are shared in proportion to what each need still lacks
//     (water-filling), not first come, first served.
//  4. Each need takes from the nearest eligible source first (distance
//     between region centres), ties by source id; whole packs, except where
//     what is left of the need or of the source is less than one pack.
//  5. A source serves a need only if it can arrive by the needed-by date:
//     today + its lead time + TransitDays(distance) must not be after it.
//  6. Ties everywhere are broken by id, so the result is deterministic.
package policy

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"strings"
	"time"

	"github.com/aidflow/aidflow/contracts/catalog"
	"github.com/aidflow/aidflow/contracts/regions"
)

// Version names this policy in every allocation it decides (decided_by).
//
// 0.2 added the days-of-supply raise of the urgency class and the arrival
// rule (lead time plus transit by the needed-by date).
const Version = "aidflow-policy/0.2"

// CriticalDaysOfSupply: a hospital that reports less stock of an item than
// it uses in this many days is critical for that item. Compared in whole
// units (on hand < 3 × daily consumption), so no rounding can tip it.
const CriticalDaysOfSupply = 3

// TransitKmPerDay is the transit estimate: a day on the road for every
// 800 km between region centres, started days counted whole (1 km is a
// day, 801 km two; the same region none). Roughly a truck's day in
// 2020 lockdown conditions, checkpoints included.
const TransitKmPerDay = 800

// TransitDays estimates the days units take to travel km kilometres; ok is
// false when the distance is unknown (then no arrival can be promised).
func TransitDays(km float64) (int, bool) {
	if math.IsInf(km, 0) || math.IsNaN(km) || km < 0 {
		return 0, false
	}
	return int(math.Ceil(km / TransitKmPerDay)), true
}

// Urgency classes, most urgent first.
const (
	Critical = "critical"
	High     = "high"
	Normal   = "normal"
)

// Source kinds.
const (
	KindCapacity = "capacity"
	KindDonation = "donation"
)

// WindowDays is the width of a needed-by window: needs due within the same
// window are equally pressing.
const WindowDays = 3

// Need is an outstanding need as the policy sees it.
type Need struct {
	ID           string
	HospitalID   string
	Item         string
	Region       string
	FacilityType string
	Urgency      string
	// NeededBy is a date, YYYY-MM-DD.
	NeededBy          string
	AcceptedStandards []string
	Cancelled         bool
	Stale             bool
	// Remaining is what the need still lacks after its live allocations.
	Remaining int64
	// StockOnHand and DailyConsumption are the hospital's latest stock
	// report for the item; HasStock says there is one. They may raise the
	// need's urgency class (CriticalDaysOfSupply).
	HasStock         bool
	StockOnHand      int64
	DailyConsumption int64
	// Excluded are offers that may not serve this need: their earlier
	// allocation to it was declined, expired or cancelled (and, for a
	// capacity report, no new report has come since). Without this, the
	// units a source gave back would go straight back to the same need.
	Excluded []string
}

// Offer is a source of units: a manufacturer's capacity report or one line
// of a donation.
type Offer struct {
	ID       string
	Kind     string
	OrgID    string
	Item     string
	Region   string
	Standard string
	// Remaining is what the source may still give.
	Remaining int64
	// DirectedHospitalID and DirectedRegion restrict a donation to a
	// hospital, or to a city or province (a region code ending in 00 or
	// 0000 covers the codes inside it).
	DirectedHospitalID string
	DirectedRegion     string
	// LeadTimeDays is how long the source needs before units leave (a
	// capacity report's lead time; 0 for donations). With the transit
	// estimate it decides whether the source can arrive by needed-by.
	LeadTimeDays int
}

// Rules a decision can come from.
const (
	// RuleNearest: the need took what it lacked from its nearest sources;
	// no other need of its tier competed for the units.
	RuleNearest = "nearest"
	// RuleProportional: units were too few for the tier's needs and were
	// shared among them in proportion to what each lacked.
	RuleProportional = "proportional"
)

// Decision gives Quantity units of an offer to a need.
type Decision struct {
	NeedID   string
	OfferID  string
	Quantity int64
	// Rule is RuleNearest or RuleProportional.
	Rule string
	// Reason explains the decision in words, for the allocation's reason.
	Reason string
}

// Match decides, for every item, which offers serve which needs on the day
// today (only its date counts). It returns at most one decision per (need,
// offer) pair, in the order the policy made them.
func Match(needs []Need, offers []Offer, today time.Time) []Decision {
	day := civil(today)
	byItem := map[string]*market{}
	get := func(item string) *market {
		m := byItem[item]
		if m == nil {
			m = &market{item: item, pack: packSize(item), today: day, dist: map[[2]string]float64{}, sorted: map[baseKey]*base{},
				byHospital: map[string][]*offerState{}}
			byItem[item] = m
		}
		return m
	}
	for i := range offers {
		o := &offers[i]
		if o.Remaining > 0 {
			m := get(o.Item)
			st := &offerState{Offer: o, left: o.Remaining}
			m.offers = append(m.offers, st)
			switch {
			case o.DirectedHospitalID != "":
				m.byHospital[o.DirectedHospitalID] = append(m.byHospital[o.DirectedHospitalID], st)
			case o.DirectedRegion != "":
				m.directed = append(m.directed, st)
			default:
				m.undirected = append(m.undirected, st)
			}
		}
	}
	for i := range needs {
		n := &needs[i]
		if open(n) {
			if m := byItem[n.Item]; m != nil {
				m.needs = append(m.needs, &needState{Need: n, left: n.Remaining, tier: tierOf(n, day)})
			}
		}
	}
	items := make([]string, 0, len(byItem))
	for it := range byItem {
		items = append(items, it)
	}
	slices.Sort(items)
	var out []Decision
	for _, it := range items {
		out = append(out, byItem[it].solve()...)
	}
	return out
}

func open(n *Need) bool { return !n.Cancelled && !n.Stale && n.Remaining > 0 }

// Eligible reports whether an offer may serve a need at all: same item,
// an accepted standard, the donor's direction respected, and not excluded.
func Eligible(n Need, o Offer) bool {
	return Admissible(n, o) && !slices.Contains(n.Excluded, o.ID)
}

// Admissible is Eligible without the need's exclusions: the rules that
// hold for a regulator's override too.
func Admissible(n Need, o Offer) bool {
	if n.Item != o.Item || !slices.Contains(n.AcceptedStandards, o.Standard) {
		return false
	}
	if o.DirectedHospitalID != "" && o.DirectedHospitalID != n.HospitalID {
		return false
	}
	return o.DirectedRegion == "" || InRegion(n.Region, o.DirectedRegion)
}

// CanArrive reports whether an offer's units can reach a need by its
// needed-by date on the day today: lead time plus TransitDays of the
// distance, counted from today, not after needed-by. A need without a
// usable date, or already overdue, takes any source.
func CanArrive(n Need, o Offer, today time.Time) bool {
	due := dueDays(n.NeededBy, civil(today))
	if due == noDue || due < 0 {
		return true
	}
	km, ok := regions.DistanceKm(o.Region, n.Region)
	if !ok {
		return false
	}
	d, ok := arrivalDays(km, o.LeadTimeDays)
	return ok && d <= due
}

// CanServe reports whether offer o can give need n units on the day today:
// the need is open and lacks units, the offer has some, it may serve the
// need (Eligible) and it arrives in time (CanArrive). Match decides
// nothing when no pair of its market can serve, and a need or an offer
// that is in no such pair takes no part in any decision: Match over a
// market without them decides exactly what it decides with them. That is
// what lets the matcher run the policy over the part of an item an event
// changed instead of the whole item.
func CanServe(n Need, o Offer, today time.Time) bool {
	return open(&n) && o.Remaining > 0 && MayServe(n, o, today) && !slices.Contains(n.Excluded, o.ID)
}

// MayServe is CanServe without units and exclusions: whether o may serve
// n on the day today at all (Admissible and CanArrive).
func MayServe(n Need, o Offer, today time.Time) bool {
	return Admissible(n, o) && CanArrive(n, o, today)
}

// Reach answers MayServe for one offer and many needs on one day,
// remembering the distance to each region and the days to each needed-by
// date: many needs share both.
type Reach struct {
	offer Offer
	today time.Time
	km    map[string]float64 // region -> km; -1 when unknown
	due   map[string]int     // needed-by -> days from today
}

// NewReach prepares MayServe(·, o, today).
func NewReach(o Offer, today time.Time) *Reach {
	return &Reach{offer: o, today: civil(today), km: map[string]float64{}, due: map[string]int{}}
}

// Offer is the offer asked about.
func (r *Reach) Offer() Offer { return r.offer }

// MayServe is MayServe(n, r's offer, r's day).
func (r *Reach) MayServe(n Need) bool {
	if !Admissible(n, r.offer) {
		return false
	}
	due, ok := r.due[n.NeededBy]
	if !ok {
		due = dueDays(n.NeededBy, r.today)
		r.due[n.NeededBy] = due
	}
	if due == noDue || due < 0 {
		return true
	}
	km, ok := r.km[n.Region]
	if !ok {
		d, known := regions.DistanceKm(r.offer.Region, n.Region)
		km = d
		if !known {
			km = -1
		}
		r.km[n.Region] = km
	}
	if km < 0 {
		return false
	}
	d, ok := arrivalDays(km, r.offer.LeadTimeDays)
	return ok && d <= due
}

// InRegion reports whether region code r lies in area: the same code, or
// area is a province (xx0000) or a prefecture (xxxx00) containing r.
func InRegion(r, area string) bool {
	switch {
	case r == area:
		return true
	case len(area) != 6 || len(r) != 6:
		return false
	case strings.HasSuffix(area, "0000"):
		return r[:2] == area[:2]
	case strings.HasSuffix(area, "00"):
		return r[:4] == area[:4]
	}
	return false
}

func packSize(item string) int64 {
	if it, ok := catalog.Lookup(item); ok && it.PackSize > 0 {
		return it.PackSize
	}
	return 1
}

// ---- tiers ----

type tier struct {
	urgency  int  // 0 critical, 1 high, 2 normal, 3 anything else
	raised   bool // critical because of its days of supply, not as stated
	frontier int  // 0 frontline, 1 other
	window   int  // needed-by window from today; negative when overdue
	// due is the days from today to needed-by (noDue without a usable
	// date); it does not order needs, it bounds which sources can arrive.
	due int
}

const noDue = math.MaxInt32

func (a tier) compare(b tier) int {
	return cmp.Or(cmp.Compare(a.urgency, b.urgency), cmp.Compare(a.frontier, b.frontier), cmp.Compare(a.window, b.window))
}

// arrival is when a source's units would reach a need: its lead time plus
// the transit estimate, in days from today; ok false when unknown.
func (m *market) arrival(n *needState, o *offerState) (int, bool) {
	return arrivalDays(m.distance(o.Region, n.Region), o.LeadTimeDays)
}

// arrives reports whether a source can reach a need by its needed-by date.
// A need without a usable date takes any source, and so does one already
// overdue: it is late whatever is sent, and nearest first still sends it
// what is closest.
func (m *market) arrives(n *needState, o *offerState) bool {
	if n.tier.due == noDue || n.tier.due < 0 {
		return true
	}
	d, ok := m.arrival(n, o)
	return ok && d <= n.tier.due
}

// Rank is a need's place in the order Match serves needs on a day: its
// tier (urgency class, frontline, needed-by window). Needs of equal rank
// are served together; Match serves a rank only after every lower one, and
// what it decides for a rank does not depend on the needs of higher ones.
type Rank struct{ t tier }

// RankOf is need n's rank on the day today.
func RankOf(n Need, today time.Time) Rank { return Rank{tierOf(&n, civil(today))} }

// Compare orders ranks: negative when r is served before o.
func (r Rank) Compare(o Rank) int { return r.t.compare(o.t) }

// Order is what ranks a need whatever the day: its urgency class (after
// days of supply), frontline or not, and its needed-by date. Needs taken
// in Order come in rank order on every day (the window is a step function
// of the date), and needs of one Order have one rank on any day: a caller
// can keep needs sorted once and read them rank by rank.
type Order struct {
	urgency, frontier int
	// due is the needed-by date; undated needs (no usable date) come
	// after every dated one.
	undated bool
	due     time.Time
}

// OrderOf is need n's Order.
func OrderOf(n Need) Order {
	t := tierOf(&n, time.Time{})
	o := Order{urgency: t.urgency, frontier: t.frontier, undated: t.due == noDue}
	if !o.undated {
		o.due, _ = time.Parse(time.DateOnly, n.NeededBy)
	}
	return o
}

// Compare orders needs: negative when a ranks before b on every day, or
// on the same rank.
func (a Order) Compare(b Order) int {
	return cmp.Or(cmp.Compare(a.urgency, b.urgency), cmp.Compare(a.frontier, b.frontier), compareBool(a.undated, b.undated), a.due.Compare(b.due))
}

func compareBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// RankOn is the rank of needs of this Order on the day today: the same
// as RankOf for each of them.
func (a Order) RankOn(today time.Time) Rank {
	t := tier{urgency: a.urgency, frontier: a.frontier, window: math.MaxInt32, due: noDue}
	if !a.undated {
		t.due = daysBetween(civil(today), a.due)
		t.window = floorDiv(t.due, WindowDays)
	}
	return Rank{t}
}

func urgencyRank(u string) int {
	switch u {
	case Critical:
		return 0
	case High:
		return 1
	case Normal:
		return 2
	}
	return 3
}

// Frontline reports whether a facility type is served first within an
// urgency class.
func Frontline(facilityType string) bool {
	return facilityType == "designated" || facilityType == "fever_clinic"
}

// ShortOfStock reports whether a need's stock report makes it critical:
// the hospital consumes the item and has less than CriticalDaysOfSupply
// days of it on hand.
func ShortOfStock(n Need) bool {
	return n.HasStock && n.DailyConsumption > 0 && n.StockOnHand < CriticalDaysOfSupply*n.DailyConsumption
}

func tierOf(n *Need, today time.Time) tier {
	t := tier{urgency: urgencyRank(n.Urgency), frontier: 1}
	if t.urgency > 0 && ShortOfStock(*n) {
		t.urgency, t.raised = 0, true
	}
	if Frontline(n.FacilityType) {
		t.frontier = 0
	}
	t.due = dueDays(n.NeededBy, today)
	if t.due == noDue {
		t.window = math.MaxInt32 // no usable date: after every dated need
		return t
	}
	t.window = floorDiv(t.due, WindowDays)
	return t
}

// dueDays is the days from today (a civil date) to a needed-by date, noDue
// when it is not a usable date.
func dueDays(neededBy string, today time.Time) int {
	due, err := time.Parse(time.DateOnly, neededBy)
	if err != nil {
		return noDue
	}
	return daysBetween(today, due)
}

func daysBetween(today, due time.Time) int { return int(due.Sub(today).Hours() / 24) }

// arrivalDays is a source's lead time plus the transit over km; ok false
// when the distance is unknown.
func arrivalDays(km float64, leadTimeDays int) (int, bool) {
	t, ok := TransitDays(km)
	if !ok {
		return 0, false
	}
	return max(leadTimeDays, 0) + t, true
}

func floorDiv(a, b int) int {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func civil(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// ---- one item's market ----

type needState struct {
	*Need
	left int64
	tier tier
	list *offerList // eligible, nearest first; shared by needs alike
}

// offerList is the offers a need may use, nearest first. Needs of one
// region, standards and due date share one list, so a water-filling round
// counts each list once, and start skips the exhausted head (offers only
// ever lose units during a solve).
//
// A shared list is a view of its base: the entries that arrive within due
// days (noDue: all), filtered as they are walked, so needs due on
// different days share one sorted slice.
type offerList struct {
	entries []ranked
	due     int
	start   int
	round   int  // the round usable was computed in
	usable  bool // some offer still has units
}

// fits reports whether an entry arrives in time for the list's needs.
func (l *offerList) fits(r ranked) bool {
	return l.due == noDue || (r.arrival >= 0 && r.arrival <= l.due)
}

// live is the list without its head of exhausted or late offers; the
// caller still skips the late ones further on (fits).
func (l *offerList) live() []ranked {
	for l.start < len(l.entries) && (l.entries[l.start].o.left <= 0 || !l.fits(l.entries[l.start])) {
		l.start++
	}
	return l.entries[l.start:]
}

type offerState struct {
	*Offer
	left int64
	// seen is the water-filling round that last counted this offer's
	// units as within reach (cheaper than a set per round).
	seen int
}

type market struct {
	item   string
	pack   int64
	today  time.Time
	needs  []*needState
	offers []*offerState
	// undirected and directed split offers: donations directed to a region
	// are few and checked per need (those to a hospital are in
	// byHospital); the rest are shared through sorted.
	undirected, directed []*offerState
	dist                 map[[2]string]float64
	// sorted caches the undirected offers a (region, standards) pair may
	// use, nearest first, with their arrival: many needs share both.
	sorted map[baseKey]*base
	// byHospital holds the donations directed to a hospital.
	byHospital map[string][]*offerState

	out   []Decision
	index map[pair]int // (need, offer) -> position in out
	round int
}

type pair struct {
	n *needState
	o *offerState
}

func (m *market) distance(a, b string) float64 {
	k := [2]string{a, b}
	if d, ok := m.dist[k]; ok {
		return d
	}
	d, ok := regions.DistanceKm(a, b)
	if !ok {
		d = math.Inf(1) // an unknown region is the farthest
	}
	m.dist[k] = d
	return d
}

// baseKey names the needs that share a sorted list: one region, the same
// accepted standards.
type baseKey struct{ region, standards string }

// base is the undirected offers such needs may use, nearest first, and the
// part of it that arrives within a number of days (byDue): needs due the
// same day share it.
type base struct {
	ranked []ranked
	byDue  map[int]*offerList
}

// ranked is an offer with its distance and arrival from one region.
type ranked struct {
	o       *offerState
	km      float64
	arrival int // days from today; -1 when the distance is unknown
}

// eligible lists the offers a need may use and that can arrive by its
// needed-by date, nearest first, ties by id. Needs of one region with the
// same standards share the sorted list of undirected offers, and those due
// on the same day share its arrival filter; directed donations are few and
// checked one by one.
func (m *market) eligible(n *needState) *offerList {
	k := baseKey{region: n.Region}
	switch len(n.AcceptedStandards) {
	case 0:
	case 1:
		k.standards = n.AcceptedStandards[0]
	default:
		k.standards = strings.Join(n.AcceptedStandards, "\x00")
	}
	b := m.sorted[k]
	if b == nil {
		b = &base{byDue: map[int]*offerList{}}
		for _, o := range m.undirected {
			if Admissible(*n.Need, *o.Offer) {
				r := ranked{o: o, km: m.distance(n.Region, o.Region), arrival: -1}
				if t, ok := TransitDays(r.km); ok {
					r.arrival = max(o.LeadTimeDays, 0) + t
				}
				b.ranked = append(b.ranked, r)
			}
		}
		slices.SortFunc(b.ranked, func(a, b ranked) int { return cmp.Or(cmp.Compare(a.km, b.km), cmp.Compare(a.o.ID, b.o.ID)) })
		m.sorted[k] = b
	}
	// Overdue and undated needs take any source (arrives).
	due := n.tier.due
	if due < 0 {
		due = noDue
	}
	shared := b.byDue[due]
	if shared == nil {
		shared = &offerList{entries: b.ranked, due: due}
		b.byDue[due] = shared
	}
	var directed []ranked
	for _, list := range [][]*offerState{m.byHospital[n.HospitalID], m.directed} {
		for _, o := range list {
			if Eligible(*n.Need, *o.Offer) && m.arrives(n, o) {
				directed = append(directed, ranked{o: o, km: m.distance(n.Region, o.Region)})
			}
		}
	}
	if len(directed) == 0 && len(n.Excluded) == 0 {
		return shared
	}
	// This need's own list: the shared one, less its exclusions, with the
	// donations directed to it, already filtered by arrival.
	own := &offerList{due: noDue, entries: directed}
	for _, r := range b.ranked {
		if shared.fits(r) && !slices.Contains(n.Excluded, r.o.ID) {
			own.entries = append(own.entries, r)
		}
	}
	if len(directed) > 0 {
		slices.SortFunc(own.entries, func(a, b ranked) int { return cmp.Or(cmp.Compare(a.km, b.km), cmp.Compare(a.o.ID, b.o.ID)) })
	}
	return own
}

func (m *market) solve() []Decision {
	slices.SortFunc(m.needs, func(a, b *needState) int {
		return cmp.Or(a.tier.compare(b.tier), cmp.Compare(a.ID, b.ID))
	})
	m.index = map[pair]int{}
	units := int64(0)
	for _, o := range m.offers {
		units += o.left
	}
	for start := 0; start < len(m.needs) && units > 0; {
		end := start + 1
		for end < len(m.needs) && m.needs[end].tier.compare(m.needs[start].tier) == 0 {
			end++
		}
		// Lists are built per tier, when first needed: once every unit is
		// given, the tiers after decide nothing and cost nothing.
		for _, n := range m.needs[start:end] {
			n.list = m.eligible(n)
		}
		units -= m.fillTier(m.needs[start:end])
		start = end
	}
	return m.out
}

// fillTier serves one tier by water-filling: each round gives every need
// that can still be served a target in proportion to what it lacks (all of
// it when the supply within reach covers the tier), then lets each need
// take its target from its nearest sources. Rounds repeat until nothing
// more can move, so units a need could not use (another standard, a
// direction) go to those that can. It returns the units it gave.
func (m *market) fillTier(ns []*needState) (given int64) {
	for {
		var active []*needState
		var want int64
		m.round++
		var supply int64
		for _, n := range ns {
			if n.left <= 0 {
				continue
			}
			l := n.list
			if l.round != m.round {
				l.round, l.usable = m.round, false
				for _, r := range l.live() {
					if o := r.o; o.left > 0 && l.fits(r) {
						l.usable = true
						if o.seen != m.round {
							o.seen = m.round
							supply += o.left
						}
					}
				}
			}
			if l.usable {
				active = append(active, n)
				want += n.left
			}
		}
		if len(active) == 0 {
			return given
		}
		// With one need left there is nothing to share: it takes all it can.
		scarce := supply < want && len(active) > 1
		targets := make([]int64, len(active))
		var total int64
		for i, n := range active {
			t := n.left
			if scarce {
				t = m.roundDown(share(supply, n.left, want), n.left)
			}
			targets[i] = t
			total += t
		}
		if total == 0 {
			// Every proportional share is under one pack: give a pack at a
			// time in tier order (ties by id) while the supply lasts.
			budget := supply
			for i, n := range active {
				t := min(m.pack, n.left, budget)
				targets[i] = t
				budget -= t
				if budget <= 0 {
					break
				}
			}
		}
		moved := int64(0)
		for i, n := range active {
			moved += m.take(n, targets[i], scarce)
		}
		if moved == 0 {
			return given
		}
		given += moved
	}
}

// share is supply*part/whole rounded down, without overflow.
func share(supply, part, whole int64) int64 {
	hi, lo := bits.Mul64(uint64(supply), uint64(part))
	q, _ := bits.Div64(hi, lo, uint64(whole))
	return int64(q)
}

func (m *market) roundDown(q, needLeft int64) int64 {
	if q >= needLeft {
		return needLeft
	}
	return q / m.pack * m.pack
}

// quantity is what a need may take from a source toward want: whole packs,
// except that the whole remainder of the need or of the source may go
// even when it is not a whole number of packs (what is left of it then is
// less than one pack, and would otherwise be stranded).
func (m *market) quantity(want, needLeft, offerLeft int64) int64 {
	q := min(want, needLeft, offerLeft)
	if q <= 0 {
		return 0
	}
	if q == needLeft || q == offerLeft {
		return q
	}
	return q / m.pack * m.pack
}

func (m *market) take(n *needState, want int64, scarce bool) (moved int64) {
	for _, r := range n.list.live() {
		o := r.o
		if !n.list.fits(r) {
			continue
		}
		if want <= 0 || n.left <= 0 {
			break
		}
		q := m.quantity(want, n.left, o.left)
		if q <= 0 {
			continue
		}
		n.left -= q
		o.left -= q
		want -= q
		moved += q
		m.record(n, o, q, scarce)
	}
	return moved
}

func (m *market) record(n *needState, o *offerState, q int64, scarce bool) {
	k := pair{n, o}
	if i, ok := m.index[k]; ok {
		m.out[i].Quantity += q
		if scarce && m.out[i].Rule != RuleProportional {
			m.out[i].Rule = RuleProportional
			m.out[i].Reason = m.reason(n, o, true)
		}
		return
	}
	rule := RuleNearest
	if scarce {
		rule = RuleProportional
	}
	m.index[k] = len(m.out)
	m.out = append(m.out, Decision{NeedID: n.ID, OfferID: o.ID, Quantity: q, Rule: rule, Reason: m.reason(n, o, scarce)})
}

// reason says, in words a hospital director reads, which rules decided.
func (m *market) reason(n *needState, o *offerState, scarce bool) string {
	var b strings.Builder
	if n.tier.raised {
		fmt.Fprintf(&b, "urgency critical (stated %s; %.1f days of supply on hand, under %d)", cmp.Or(n.Urgency, "unstated"),
			float64(n.StockOnHand)/float64(n.DailyConsumption), CriticalDaysOfSupply)
	} else {
		fmt.Fprintf(&b, "urgency %s", cmp.Or(n.Urgency, "unstated"))
	}
	if Frontline(n.FacilityType) {
		b.WriteString(", frontline facility")
	}
	if n.tier.window != math.MaxInt32 {
		from := m.today.AddDate(0, 0, n.tier.window*WindowDays)
		to := from.AddDate(0, 0, WindowDays-1)
		fmt.Fprintf(&b, ", needed-by window %s..%s", from.Format(time.DateOnly), to.Format(time.DateOnly))
	}
	fmt.Fprintf(&b, "; standard %s accepted", o.Standard)
	switch {
	case o.DirectedHospitalID != "":
		b.WriteString("; donation directed to this hospital")
	case o.DirectedRegion != "":
		fmt.Fprintf(&b, "; donation directed to region %s", o.DirectedRegion)
	}
	if d := m.distance(n.Region, o.Region); !math.IsInf(d, 1) {
		fmt.Fprintf(&b, "; nearest eligible source with units (%.0f km)", d)
	} else {
		b.WriteString("; eligible source (distance unknown)")
	}
	if a, ok := m.arrival(n, o); ok {
		fmt.Fprintf(&b, "; arrives in %d days (lead time %d, transit %d)", a, max(o.LeadTimeDays, 0), a-max(o.LeadTimeDays, 0))
		if n.tier.due != noDue {
			fmt.Fprintf(&b, ", by %s", m.today.AddDate(0, 0, a).Format(time.DateOnly))
		}
	}
	if scarce {
		b.WriteString("; scarce: units shared within the tier in proportion to what each need lacks")
	}
	return b.String()
}

// ---- invariants ----

// ErrInvariant is wrapped by every invariant violation: a bug, never a
// condition to log and carry on from.
var ErrInvariant = errors.New("matching invariant violated")

// Check verifies decisions against the market they were made from: every
// decision names a known, open need and an offer that may serve it, with a
// positive quantity, and no need receives more than it lacks, no offer gives
// more than it has.
func Check(needs []Need, offers []Offer, decisions []Decision) error {
	ns := make(map[string]*Need, len(needs))
	for i := range needs {
		ns[needs[i].ID] = &needs[i]
	}
	os := make(map[string]*Offer, len(offers))
	for i := range offers {
		os[offers[i].ID] = &offers[i]
	}
	toNeed := map[string]int64{}
	fromOffer := map[string]int64{}
	for _, d := range decisions {
		n, o := ns[d.NeedID], os[d.OfferID]
		switch {
		case d.Quantity <= 0:
			return fmt.Errorf("%w: decision %s<-%s has quantity %d", ErrInvariant, d.NeedID, d.OfferID, d.Quantity)
		case n == nil:
			return fmt.Errorf("%w: decision names unknown need %s", ErrInvariant, d.NeedID)
		case o == nil:
			return fmt.Errorf("%w: decision names unknown offer %s", ErrInvariant, d.OfferID)
		case !open(n):
			return fmt.Errorf("%w: need %s is not open", ErrInvariant, n.ID)
		case !Eligible(*n, *o):
			return fmt.Errorf("%w: offer %s may not serve need %s (item, standard or direction)", ErrInvariant, o.ID, n.ID)
		}
		toNeed[n.ID] += d.Quantity
		fromOffer[o.ID] += d.Quantity
	}
	for id, q := range toNeed {
		if q > ns[id].Remaining {
			return fmt.Errorf("%w: need %s over-served: %d given, %d outstanding", ErrInvariant, id, q, ns[id].Remaining)
		}
	}
	for id, q := range fromOffer {
		if q > os[id].Remaining {
			return fmt.Errorf("%w: offer %s over-allocated: %d given, %d remaining", ErrInvariant, id, q, os[id].Remaining)
		}
	}
	return nil
}
