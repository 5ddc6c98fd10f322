package domain

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/aidflow/aidflow/contracts/catalog"
	"github.com/aidflow/aidflow/contracts/regions"
)

// AnonymousDonor is the source name of a donation whose donor gave no
// public name (or asked to stay anonymous: the event then has none).
const AnonymousDonor = "anonymous donor"

// SummaryItem is one item's public totals (GET /v1/public/summary).
type SummaryItem struct {
	Item   string `json:"item"`
	Name   string `json:"name"`
	NameZh string `json:"name_zh"`
	// Needed: Σ quantity of needs not cancelled.
	Needed int64 `json:"needed"`
	// Allocated: Σ quantity of allocations proposed, accepted, dispatched
	// or delivered.
	Allocated int64 `json:"allocated"`
	// Dispatched: Σ shipped quantity; Delivered: Σ received quantity.
	Dispatched int64 `json:"dispatched"`
	Delivered  int64 `json:"delivered"`
	// OpenShortage: Σ over open needs of max(0, quantity − allocated to it).
	OpenShortage int64 `json:"open_shortage"`
	// AvailableCapacity: Σ over capacity reports of what the matcher may
	// still give (Capacity remaining, as supply computes it).
	AvailableCapacity int64 `json:"available_capacity"`
}

// RegionShortage is one province's public figures (GET /v1/public/regions).
type RegionShortage struct {
	Province      string  `json:"province"`
	Name          string  `json:"name"`
	NameZh        string  `json:"name_zh"`
	Needed        int64   `json:"needed"`
	Allocated     int64   `json:"allocated"`
	Delivered     int64   `json:"delivered"`
	OpenShortage  int64   `json:"open_shortage"`
	ShortageRatio float64 `json:"shortage_ratio"`
	Level         string  `json:"level"`
}

// Flow is one allocation as the public sees it (GET /v1/public/flows).
type Flow struct {
	ID               string    `json:"id"`
	Item             string    `json:"item"`
	Quantity         int64     `json:"quantity"`
	Status           string    `json:"status"`
	SourceKind       string    `json:"source_kind"`
	SourceName       string    `json:"source_name"`
	HospitalName     string    `json:"hospital_name"`
	HospitalRegion   string    `json:"hospital_region"`
	DecidedBy        string    `json:"decided_by"`
	Reason           string    `json:"reason"`
	ShippedQuantity  int64     `json:"shipped_quantity"`
	ReceivedQuantity int64     `json:"received_quantity"`
	Time             time.Time `json:"time"`
	// Corrections are the corrections filed against this allocation's
	// events, oldest first, shown beside the original (never merged in).
	Corrections []FlowCorrection `json:"corrections"`
}

// Shortage levels, red the worst.
const (
	LevelRed    = "red"
	LevelOrange = "orange"
	LevelYellow = "yellow"
	LevelBlue   = "blue"
	LevelGreen  = "green"
)

// Level is the five-colour shortage level of a province from the share of
// its need still unmet, ratio = open_shortage / needed:
//
//	red    ratio ≥ 0.60
//	orange ratio ≥ 0.40
//	yellow ratio ≥ 0.20
//	blue   ratio > 0
//	green  ratio = 0, or nothing needed
func Level(openShortage, needed int64) (float64, string) {
	if needed <= 0 {
		return 0, LevelGreen
	}
	r := float64(openShortage) / float64(needed)
	switch {
	case r >= 0.6:
		return r, LevelRed
	case r >= 0.4:
		return r, LevelOrange
	case r >= 0.2:
		return r, LevelYellow
	case r > 0:
		return r, LevelBlue
	}
	return r, LevelGreen
}

// tally holds what several views derive from the allocations.
type tally struct {
	needAllocated map[string]int64 // need id → Σ active allocation quantity
	needReceived  map[string]int64 // need id → Σ received
	reserved      map[string]int64 // capacity id → Σ proposed/accepted quantity
	shipments     map[string][]Shipment
}

func (m *Model) tally() tally {
	t := tally{needAllocated: map[string]int64{}, needReceived: map[string]int64{}, reserved: map[string]int64{}, shipments: map[string][]Shipment{}}
	for _, a := range m.Allocations {
		if a.Active() {
			t.needAllocated[a.NeedID] += a.Quantity
		}
		t.needReceived[a.NeedID] += a.Received
		if a.SourceKind != SourceCapacity {
			continue
		}
		if a.Reserves() {
			t.reserved[a.SourceID] += a.Quantity
		}
		t.shipments[a.SourceID] = append(t.shipments[a.SourceID], a.Shipments...)
	}
	return t
}

// open reports whether a need still counts towards the shortage: not
// cancelled and not fulfilled (received at least its quantity, demand's rule).
func (t tally) open(n Need) bool {
	return n.Status != NeedCancelled && n.Status != NeedFulfilled && t.needReceived[n.ID] < n.Quantity
}

func (t tally) shortage(n Need) int64 {
	if !t.open(n) {
		return 0
	}
	return max(0, n.Quantity-t.needAllocated[n.ID])
}

// remaining is supply's remaining for a report: available_now, less what
// was shipped from it since it was reported (dispatch lowers available_now;
// a new report states the stock anew), less what proposed and accepted
// allocations reserve; never below zero.
func (t tally) remaining(c Capacity) int64 {
	avail := c.AvailableNow
	for _, s := range t.shipments[c.ID] {
		if s.At.After(c.ReportedAt) {
			avail -= s.Quantity
		}
	}
	return max(0, max(0, avail)-t.reserved[c.ID])
}

// Summary returns every catalog item's totals, in catalog order.
func (m *Model) Summary() []SummaryItem {
	t := m.tally()
	items := catalog.Items()
	out := make([]SummaryItem, len(items))
	at := make(map[string]*SummaryItem, len(items))
	for i, it := range items {
		out[i] = SummaryItem{Item: it.Code, Name: it.Name, NameZh: it.NameZh}
		at[it.Code] = &out[i]
	}
	for _, a := range m.Allocations {
		s, ok := at[a.Item]
		if !ok {
			continue
		}
		if a.Active() {
			s.Allocated += a.Quantity
		}
		s.Dispatched += a.Shipped
		s.Delivered += a.Received
	}
	for _, n := range m.Needs {
		s, ok := at[n.Item]
		if !ok || n.Status == NeedCancelled {
			continue
		}
		s.Needed += n.Quantity
		s.OpenShortage += t.shortage(n)
	}
	for _, c := range m.Capacities {
		if s, ok := at[c.Item]; ok {
			s.AvailableCapacity += t.remaining(c)
		}
	}
	return out
}

// Regions returns every province's figures, ordered by code. A need counts
// in the province of its region (the hospital's), an allocation in that of
// its hospital's region.
func (m *Model) Regions() []RegionShortage {
	t := m.tally()
	provs := regions.Provinces()
	out := make([]RegionShortage, len(provs))
	at := make(map[string]*RegionShortage, len(provs))
	for i, p := range provs {
		out[i] = RegionShortage{Province: p.Code, Name: p.Name, NameZh: p.NameZh}
		at[p.Code] = &out[i]
	}
	for _, n := range m.Needs {
		r, ok := at[regions.ProvinceOf(n.Region)]
		if !ok || n.Status == NeedCancelled {
			continue
		}
		r.Needed += n.Quantity
		r.OpenShortage += t.shortage(n)
	}
	for _, a := range m.Allocations {
		r, ok := at[regions.ProvinceOf(a.HospitalRegion)]
		if !ok {
			continue
		}
		if a.Active() {
			r.Allocated += a.Quantity
		}
		r.Delivered += a.Received
	}
	for i := range out {
		out[i].ShortageRatio, out[i].Level = Level(out[i].OpenShortage, out[i].Needed)
	}
	return out
}

// Flows returns every allocation as a public flow, newest change first
// (ties by id).
func (m *Model) Flows() []Flow {
	out := make([]Flow, 0, len(m.Allocations))
	corrections := m.flowCorrections()
	for _, a := range m.Allocations {
		cs := corrections[a.ID]
		if cs == nil {
			cs = []FlowCorrection{}
		}
		out = append(out, Flow{Corrections: cs,
			ID: a.ID, Item: a.Item, Quantity: a.Quantity, Status: a.Status, SourceKind: a.SourceKind,
			SourceName: m.SourceName(a), HospitalName: m.publicName(a.HospitalID, RoleHospital), HospitalRegion: a.HospitalRegion,
			DecidedBy: a.DecidedBy, Reason: a.Reason, ShippedQuantity: a.Shipped, ReceivedQuantity: a.Received, Time: a.UpdatedAt,
		})
	}
	slices.SortFunc(out, func(a, b Flow) int { return cmp.Compare(FlowKey(a), FlowKey(b)) })
	return out
}

// FlowKey orders flows newest first and is their pagination cursor.
func FlowKey(f Flow) string {
	return fmt.Sprintf("%019d|%s", math.MaxInt64-f.Time.UnixNano(), f.ID)
}

// SourceName is the public name of an allocation's source: the
// manufacturer's registered name, or the donor's public name for the
// donation, or AnonymousDonor.
func (m *Model) SourceName(a Allocation) string {
	if a.SourceKind == SourceDonation {
		if d, ok := m.DonationOfOffer(a.SourceID); ok && d.PublicName != "" {
			return d.PublicName
		}
		return AnonymousDonor
	}
	return m.publicName(a.SourceOrgID, RoleManufacturer)
}

// publicName is an organization's published name if it has role, else "".
func (m *Model) publicName(orgID, role string) string {
	if o, ok := m.Orgs[orgID]; ok && o.Role == role {
		return o.Name
	}
	return ""
}
