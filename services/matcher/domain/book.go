package domain

import (
	"maps"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/aidflow/aidflow/services/matcher/domain/policy"
)

// Book is the matcher's working memory: every hospital, need, offer and
// allocation, indexed for the questions the policy and the routes ask.
// The embedded store answers only lookups by _id quickly, so the Book is
// loaded once at start (one Find per collection) and kept current on each
// write; every read is served from it. Safe for concurrent use; methods
// return copies.
type Book struct {
	mu        sync.RWMutex
	hospitals map[string]Hospital
	needs     map[string]*Need
	offers    map[string]*Offer
	allocs    map[string]*Allocation
	stock     map[stockKey]Stock

	needsByItem    map[string][]string // sorted ids
	offersByItem   map[string][]string
	allocsByNeed   map[string][]string
	allocsByOffer  map[string][]string
	runCount       map[string]int
	proposed       map[string]bool
	needsByHosp    map[string][]string
	listAll        []string            // list keys, sorted
	listByOrg      map[string][]string // org (hospital or source) -> list keys, sorted
	listKeyOfAlloc map[string]string
	mirror         *Book

	// What an incremental run needs (settled.go): per item, the open
	// needs that lack units and the offers that have some, and what
	// changed since the item was last settled.
	wanting   map[string]*needQueue      // item -> need ids
	withUnits map[string]map[string]bool // item -> offer ids
	// needLeft and offerLeft are NeedRemaining and OfferRemaining as of
	// the last write that could change them (settled.go), for the
	// policy's markets; the routes and the checks after a run compute
	// them afresh.
	needLeft, offerLeft map[string]int64
	settled             map[string]*itemChanges

	// redirects maps each allocation a regulator redirected to the one
	// that took its units; pending holds those whose first write (the new
	// allocation) is stored and second (the cancellation) not yet.
	redirects map[string]string // from -> to
	pending   map[string]bool   // from
}

// NewBook returns an empty book.
func NewBook() *Book {
	return &Book{
		hospitals: map[string]Hospital{}, needs: map[string]*Need{}, offers: map[string]*Offer{}, allocs: map[string]*Allocation{},
		stock:       map[stockKey]Stock{},
		needsByItem: map[string][]string{}, offersByItem: map[string][]string{}, allocsByNeed: map[string][]string{},
		allocsByOffer: map[string][]string{}, runCount: map[string]int{}, proposed: map[string]bool{},
		needsByHosp: map[string][]string{}, listByOrg: map[string][]string{}, listKeyOfAlloc: map[string]string{},
		wanting: map[string]*needQueue{}, withUnits: map[string]map[string]bool{}, settled: map[string]*itemChanges{},
		needLeft: map[string]int64{}, offerLeft: map[string]int64{},
		redirects: map[string]string{}, pending: map[string]bool{},
	}
}

// Snapshot is the whole stored state, as loaded at start.
type Snapshot struct {
	Hospitals   []Hospital
	Needs       []Need
	Offers      []Offer
	Allocations []Allocation
	Stock       []Stock
	// Inputs are the events the projections were last written from.
	Inputs []Input
}

// Load fills the book from a snapshot. Every item is matched whole again
// on its next run: the store may hold what another instance wrote.
func (b *Book) Load(s Snapshot) {
	b.mu.Lock()
	clear(b.settled)
	b.mu.Unlock()
	for _, h := range s.Hospitals {
		b.PutHospital(h)
	}
	for _, n := range s.Needs {
		b.PutNeed(n)
	}
	for _, o := range s.Offers {
		b.PutOffer(o)
	}
	for _, a := range s.Allocations {
		b.PutAllocation(a)
	}
	for _, st := range s.Stock {
		b.PutStock(st)
	}
}

// stockKey finds a hospital's stock report of an item without building a
// string (Stock.Key) on the hot path.
type stockKey struct{ hospitalID, item string }

// PutStock stores or replaces a hospital's stock report of an item.
func (b *Book) PutStock(s Stock) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.stock[stockKey{s.HospitalID, s.Item}] = s
	for _, id := range b.needsByHosp[s.HospitalID] {
		if n := b.needs[id]; n.Item == s.Item {
			b.requeue(n)
		}
	}
}

// Stock returns a hospital's latest stock report of an item.
func (b *Book) Stock(hospitalID, item string) (Stock, bool) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	s, ok := b.stock[stockKey{hospitalID, item}]
	return s, ok
}

func insertSorted(list []string, s string) []string {
	i, found := slices.BinarySearch(list, s)
	if found {
		return list
	}
	return slices.Insert(list, i, s)
}

func removeSorted(list []string, s string) []string {
	i, found := slices.BinarySearch(list, s)
	if !found {
		return list
	}
	return slices.Delete(list, i, i+1)
}

// PutHospital stores or replaces a hospital.
func (b *Book) PutHospital(h Hospital) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.hospitals[h.ID] = h
	for _, id := range b.needsByHosp[h.ID] {
		b.requeue(b.needs[id])
	}
}

// Hospital returns a hospital.
func (b *Book) Hospital(id string) (Hospital, bool) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	h, ok := b.hospitals[id]
	return h, ok
}

// PutNeed stores or replaces a need.
func (b *Book) PutNeed(n Need) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n.AcceptedStandards = slices.Clone(n.AcceptedStandards)
	b.needs[n.ID] = &n
	b.needsByItem[n.Item] = insertSorted(b.needsByItem[n.Item], n.ID)
	b.needsByHosp[n.HospitalID] = insertSorted(b.needsByHosp[n.HospitalID], n.ID)
	b.changedNeed(&n)
}

// Need returns a need.
func (b *Book) Need(id string) (Need, bool) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	n, ok := b.needs[id]
	if !ok {
		return Need{}, false
	}
	c := *n
	c.AcceptedStandards = slices.Clone(n.AcceptedStandards)
	return c, true
}

// ItemsNeededBy returns the items a hospital has open needs for, sorted.
func (b *Book) ItemsNeededBy(hospitalID string) []string {
	b.mu.RLock()
	defer b.mu.RUnlock()
	var items []string
	for _, id := range b.needsByHosp[hospitalID] {
		if n := b.needs[id]; n.Status == NeedOpen {
			items = insertSorted(items, n.Item)
		}
	}
	return items
}

// PutOffer stores or replaces an offer.
func (b *Book) PutOffer(o Offer) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.offers[o.ID] = &o
	b.offersByItem[o.Item] = insertSorted(b.offersByItem[o.Item], o.ID)
	b.changedOffer(&o)
}

// Offer returns an offer.
func (b *Book) Offer(id string) (Offer, bool) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	o, ok := b.offers[id]
	if !ok {
		return Offer{}, false
	}
	return *o, true
}

// listKey orders allocations for lists: oldest first, ties by id.
func listKey(a *Allocation) string {
	return a.CreatedAt.UTC().Format("20060102T150405.000000000") + "|" + a.ID
}

// PutAllocation stores or replaces an allocation, and puts it in the
// mirror (MirrorAllocations) when the mirror's copy is older.
func (b *Book) PutAllocation(a Allocation) {
	b.mu.Lock()
	b.putAllocation(a)
	mirror := b.mirror
	b.mu.Unlock()
	if mirror != nil {
		mirror.PutAllocationIfNewer(a)
	}
}

// PutAllocationIfNewer stores an allocation unless the book holds the same
// or a later version of it, and reports whether it did. A read view fed
// from several places (its partition's own writes, the allocation events
// of every partition) never goes back to an older state.
func (b *Book) PutAllocationIfNewer(a Allocation) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if old, ok := b.allocs[a.ID]; ok && old.Version >= a.Version {
		return false
	}
	b.putAllocation(a)
	return true
}

// AllocationVersion is the version of an allocation the book holds, 0 when
// it holds none.
func (b *Book) AllocationVersion(id string) int64 {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if a, ok := b.allocs[id]; ok {
		return a.Version
	}
	return 0
}

// MirrorAllocations makes every later PutAllocation also reach view (if
// newer there): a partition's own writes are in the read view of every
// partition's allocations as soon as they are made.
func (b *Book) MirrorAllocations(view *Book) {
	b.mu.Lock()
	b.mirror = view
	b.mu.Unlock()
}

func (b *Book) putAllocation(a Allocation) {
	a.Shipments = slices.Clone(a.Shipments)
	old, existed := b.allocs[a.ID]
	b.allocs[a.ID] = &a
	if a.Status == StatusProposed {
		b.proposed[a.ID] = true
	} else {
		delete(b.proposed, a.ID)
	}
	if !existed {
		b.allocsByNeed[a.NeedID] = insertSorted(b.allocsByNeed[a.NeedID], a.ID)
		b.allocsByOffer[a.SourceID] = insertSorted(b.allocsByOffer[a.SourceID], a.ID)
		if a.RunID != "" {
			b.runCount[runKey(a.RunID, a.Item)]++
		}
	}
	if a.RedirectedFrom != "" {
		b.redirects[a.RedirectedFrom] = a.ID
		b.checkRedirect(a.RedirectedFrom)
	}
	b.checkRedirect(a.ID)
	if n := b.needs[a.NeedID]; n != nil {
		b.changedNeed(n)
	}
	if o := b.offers[a.SourceID]; o != nil {
		b.changedOffer(o)
	}
	if existed {
		if old.CreatedAt.Equal(a.CreatedAt) {
			return
		}
		k := b.listKeyOfAlloc[a.ID]
		b.listAll = removeSorted(b.listAll, k)
		b.listByOrg[old.HospitalID] = removeSorted(b.listByOrg[old.HospitalID], k)
		b.listByOrg[old.SourceOrgID] = removeSorted(b.listByOrg[old.SourceOrgID], k)
	}
	k := listKey(&a)
	b.listKeyOfAlloc[a.ID] = k
	b.listAll = insertSorted(b.listAll, k)
	b.listByOrg[a.HospitalID] = insertSorted(b.listByOrg[a.HospitalID], k)
	b.listByOrg[a.SourceOrgID] = insertSorted(b.listByOrg[a.SourceOrgID], k)
}

// checkRedirect notes whether the redirect of allocation from is half
// written: the allocation that takes its units is stored, its own
// cancellation is not.
func (b *Book) checkRedirect(from string) {
	to, ok := b.redirects[from]
	if a := b.allocs[from]; ok && a != nil && a.RedirectedTo != to {
		b.pending[from] = true
	} else {
		delete(b.pending, from)
	}
}

// HalfRedirected lists the allocations whose redirect was stopped between
// its two writes (RedirectAllocation), in id order, with the allocation
// that took their units.
func (b *Book) HalfRedirected() (from, to []Allocation) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if len(b.pending) == 0 {
		return nil, nil
	}
	for _, id := range slices.Sorted(maps.Keys(b.pending)) {
		f, _ := b.alloc(id)
		t, _ := b.alloc(b.redirects[id])
		from, to = append(from, f), append(to, t)
	}
	return from, to
}

func (b *Book) alloc(id string) (Allocation, bool) {
	a, ok := b.allocs[id]
	if !ok {
		return Allocation{}, false
	}
	c := *a
	c.Shipments = slices.Clone(a.Shipments)
	return c, true
}

// Allocation returns an allocation.
func (b *Book) Allocation(id string) (Allocation, bool) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.alloc(id)
}

// RunCount is how many allocations of item the run triggered by runID
// has made.
func (b *Book) RunCount(runID, item string) int {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.runCount[runKey(runID, item)]
}

func runKey(runID, item string) string { return runID + "\x00" + item }

// ProposedBefore returns the proposed allocations created at or before
// cutoff, in id order.
func (b *Book) ProposedBefore(cutoff time.Time) []Allocation {
	b.mu.RLock()
	defer b.mu.RUnlock()
	var out []Allocation
	for id := range b.proposed {
		if a := b.allocs[id]; !a.CreatedAt.After(cutoff) {
			c, _ := b.alloc(id)
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// ListFilter selects allocations for a list.
type ListFilter struct {
	// OrgID limits the list to allocations the organization ships or
	// receives; empty means all (regulators).
	OrgID  string
	Status string
	// After is the list key of the last allocation already seen.
	After string
	Limit int
}

// List returns up to f.Limit allocations after f.After, oldest first, and
// the key of the last one when more follow.
func (b *Book) List(f ListFilter) (items []Allocation, next string) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	keys := b.listAll
	if f.OrgID != "" {
		keys = b.listByOrg[f.OrgID]
	}
	i := 0
	if f.After != "" {
		i, _ = slices.BinarySearch(keys, f.After)
		if i < len(keys) && keys[i] == f.After {
			i++
		}
	}
	for ; i < len(keys); i++ {
		a := b.allocs[keyID(keys[i])]
		if f.Status != "" && a.Status != f.Status {
			continue
		}
		if len(items) == f.Limit {
			return items, listKey(&items[len(items)-1])
		}
		c, _ := b.alloc(a.ID)
		items = append(items, c)
	}
	return items, ""
}

func keyID(k string) string {
	for i := len(k) - 1; i >= 0; i-- {
		if k[i] == '|' {
			return k[i+1:]
		}
	}
	return k
}

// ---- what is left ----

// NeedRemaining is what a need still lacks: its quantity less what its
// allocations commit (Allocation.Committed), not counting units that
// arrived damaged.
func (b *Book) NeedRemaining(id string) int64 {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.needRemaining(id)
}

func (b *Book) needRemaining(id string) int64 {
	n, ok := b.needs[id]
	if !ok {
		return 0
	}
	left := n.Quantity
	for _, aid := range b.allocsByNeed[id] {
		// Units received damaged did not serve the need: they are
		// matched again (a donation line still counts them as given).
		a := b.allocs[aid]
		left -= a.Committed() - a.DamagedQuantity
	}
	return left
}

// OfferRemaining is what a source may still give:
//   - a capacity report: available_now of the latest report, less the
//     units its allocations still hold (proposed, accepted, and the unshipped
//     rest of dispatched ones), less what was shipped since that report;
//   - a donation line: its quantity less what its allocations commit.
//
// It may be negative when a manufacturer reports less than it has promised.
func (b *Book) OfferRemaining(id string) int64 {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.offerRemaining(id)
}

func (b *Book) offerRemaining(id string) int64 {
	o, ok := b.offers[id]
	if !ok {
		return 0
	}
	if o.Kind == policy.KindDonation {
		left := o.Quantity
		for _, aid := range b.allocsByOffer[id] {
			left -= b.allocs[aid].Committed()
		}
		return left
	}
	left := o.AvailableNow - b.shippedSinceReport(o)
	for _, aid := range b.allocsByOffer[id] {
		left -= b.allocs[aid].Outstanding()
	}
	return left
}

func (b *Book) shippedSinceReport(o *Offer) int64 {
	var n int64
	for _, aid := range b.allocsByOffer[o.ID] {
		n += b.allocs[aid].ShippedUnder(o.ReportID)
	}
	return n
}

// OnHand is what a capacity source reported and has not shipped since:
// the most a dispatch may take from it.
func (b *Book) OnHand(offerID string) (int64, bool) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	o, ok := b.offers[offerID]
	if !ok || o.Kind != policy.KindCapacity {
		return 0, false
	}
	return o.AvailableNow - b.shippedSinceReport(o), true
}

// Items lists every item with a need or an offer, sorted.
func (b *Book) Items() []string {
	b.mu.RLock()
	defer b.mu.RUnlock()
	var items []string
	for it := range b.needsByItem {
		items = insertSorted(items, it)
	}
	for it := range b.offersByItem {
		items = insertSorted(items, it)
	}
	return items
}

// Market is one item's needs and offers as the policy sees them, with
// what each still lacks or has. A hospital the registry has not announced
// yet counts as a general facility.
func (b *Book) Market(item string) ([]policy.Need, []policy.Offer) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	// Computed afresh, not from needLeft and offerLeft: the tests compare
	// incremental runs with this.
	var needs []policy.Need
	for _, id := range b.needsByItem[item] {
		n := b.policyNeed(b.needs[id])
		n.Remaining = b.needRemaining(id)
		needs = append(needs, n)
	}
	var offers []policy.Offer
	for _, id := range b.offersByItem[item] {
		o := b.policyOffer(b.offers[id])
		o.Remaining = b.offerRemaining(id)
		offers = append(offers, o)
	}
	return needs, offers
}

// PolicyNeed is a need as the policy sees it.
func (b *Book) PolicyNeed(id string) (policy.Need, bool) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	n, ok := b.needs[id]
	if !ok {
		return policy.Need{}, false
	}
	pn := b.policyNeed(n)
	pn.Remaining = b.needRemaining(id)
	return pn, true
}

// PolicyOffer is an offer as the policy sees it.
func (b *Book) PolicyOffer(id string) (policy.Offer, bool) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	o, ok := b.offers[id]
	if !ok {
		return policy.Offer{}, false
	}
	po := b.policyOffer(o)
	po.Remaining = b.offerRemaining(id)
	return po, true
}

func (b *Book) policyNeed(n *Need) policy.Need {
	pn := b.rankedNeed(n)
	pn.AcceptedStandards = slices.Clone(n.AcceptedStandards)
	pn.Remaining = b.needLeft[n.ID]
	pn.Excluded = b.excluded(n.ID)
	return pn
}

// rankedNeed is a need as the policy ranks it and judges who may serve it
// (policy.RankOf, policy.MayServe), without what it lacks and whom it
// excluded, which cost a walk over its allocations. It shares the need's
// standards: read only.
func (b *Book) rankedNeed(n *Need) policy.Need {
	ft := "general"
	if h, ok := b.hospitals[n.HospitalID]; ok && h.FacilityType != "" {
		ft = h.FacilityType
	}
	st, hasStock := b.stock[stockKey{n.HospitalID, n.Item}]
	return policy.Need{
		HasStock: hasStock, StockOnHand: st.OnHand, DailyConsumption: st.DailyConsumption,
		ID: n.ID, HospitalID: n.HospitalID, Item: n.Item, Region: n.Region, FacilityType: ft,
		Urgency: n.Urgency, NeededBy: n.NeededBy, AcceptedStandards: n.AcceptedStandards,
		Cancelled: n.Status == NeedCancelled, Stale: n.Status == NeedStale,
	}
}

// servedNeed is the least of a need policy.MayServe reads: cheaper still
// than rankedNeed, for scanning every need of an item.
func servedNeed(n *Need) policy.Need {
	return policy.Need{ID: n.ID, HospitalID: n.HospitalID, Item: n.Item, Region: n.Region, NeededBy: n.NeededBy, AcceptedStandards: n.AcceptedStandards}
}

// excluded lists the sources that gave a need's units back (declined,
// expired, cancelled): not proposed to it again, a capacity source until
// it reports anew (it may have stock again).
func (b *Book) excluded(needID string) []string {
	var out []string
	for _, aid := range b.allocsByNeed[needID] {
		a := b.allocs[aid]
		if a.Live() || slices.Contains(out, a.SourceID) {
			continue
		}
		if o, ok := b.offers[a.SourceID]; ok && o.Kind == policy.KindCapacity && o.ReportID != a.SourceReport {
			continue
		}
		out = append(out, a.SourceID)
	}
	return out
}

func (b *Book) policyOffer(o *Offer) policy.Offer {
	po := servingOffer(o)
	po.Remaining = b.offerLeft[o.ID]
	return po
}

// servingOffer is an offer as policy.MayServe reads it, without what it
// has left (a walk over its allocations).
func servingOffer(o *Offer) policy.Offer {
	return policy.Offer{
		ID: o.ID, Kind: o.Kind, OrgID: o.OrgID, Item: o.Item, Region: o.Region, Standard: o.Standard,
		DirectedHospitalID: o.DirectedHospitalID, DirectedRegion: o.DirectedRegion, LeadTimeDays: o.LeadTimeDays,
	}
}
