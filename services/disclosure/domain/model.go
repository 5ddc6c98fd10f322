// Package domain holds disclosure's public read model, built from events
// and holding public fields only, the rules that apply each event to it
// idempotently, and the public views computed from it (summary, regions,
// flows).
package domain

import (
	"context"
	"time"

	"github.com/aidflow/aidflow/contracts/events"
)

// Roles of organizations, as the registry names them.
const (
	RoleHospital     = "hospital"
	RoleManufacturer = "manufacturer"
	RoleRegulator    = "regulator"
	RoleDonor        = "donor"
)

// Allocation statuses, as the matcher names them.
const (
	StatusProposed   = "proposed"
	StatusAccepted   = "accepted"
	StatusDispatched = "dispatched"
	StatusDelivered  = "delivered"
)

// Need statuses disclosure acts on.
const (
	NeedOpen      = "open"
	NeedCancelled = "cancelled"
	NeedFulfilled = "fulfilled"
)

// SourceCapacity and SourceDonation are the kinds of allocation source.
const (
	SourceCapacity = "capacity"
	SourceDonation = "donation"
)

// Org is an organization's public face. Name is published only for
// hospitals and manufacturers (institutions); a donor organization's
// registered name may be a person's, so it is not even kept: donors appear
// under the public name they give a donation, or as anonymous.
type Org struct {
	ID     string
	Name   string
	Role   string
	Region string
}

// Need is a hospital's shortage, without its private note.
type Need struct {
	ID         string
	HospitalID string
	Item       string
	Quantity   int64
	Region     string
	Status     string
	PostedAt   time.Time
}

// Capacity is a manufacturer's current report for one item.
type Capacity struct {
	ID             string
	ManufacturerID string
	Item           string
	Region         string
	AvailableNow   int64
	Revision       int64
	// ReportedAt is the report's event time: shipments after it count
	// against it.
	ReportedAt time.Time
}

// Donation is a pledge's public face: its donor's chosen public name
// (empty when anonymous) and its offers (one per line).
type Donation struct {
	ID         string
	DonorID    string
	PublicName string
	Offers     []string
}

// Shipment is a rise in an allocation's shipped quantity, at the time of
// the allocation version that showed it.
type Shipment struct {
	Quantity int64
	At       time.Time
}

// Allocation is an allocation's public face: no tracking numbers, no
// receipt notes, no decline reasons.
type Allocation struct {
	ID             string
	Version        int64
	NeedID         string
	HospitalID     string
	HospitalRegion string
	Item           string
	Quantity       int64
	SourceKind     string
	SourceID       string
	SourceOrgID    string
	Status         string
	Shipped        int64
	Received       int64
	DecidedBy      string
	Reason         string
	CreatedAt      time.Time
	UpdatedAt      time.Time
	Shipments      []Shipment
}

// Active reports whether the allocation holds its units (API.md's
// allocated: proposed, accepted, dispatched, delivered).
func (a Allocation) Active() bool {
	switch a.Status {
	case StatusProposed, StatusAccepted, StatusDispatched, StatusDelivered:
		return true
	}
	return false
}

// Reserves reports whether the allocation reserves units of its capacity
// source: proposed or accepted (supply's rule; dispatch ends the
// reservation and takes the shipped units off available_now).
func (a Allocation) Reserves() bool {
	return a.Status == StatusProposed || a.Status == StatusAccepted
}

// Store persists the read model, one document per entity addressed by id.
type Store interface {
	PutOrg(ctx context.Context, o Org) error
	PutNeed(ctx context.Context, n Need) error
	PutCapacity(ctx context.Context, c Capacity) error
	PutDonation(ctx context.Context, d Donation) error
	PutAllocation(ctx context.Context, a Allocation) error
	PutCorrection(ctx context.Context, c Correction) error
	// Load reads every document into a model, at start.
	Load(ctx context.Context) (*Model, error)
	SnapshotStore
}

// Model is the whole read model in memory. It is not safe for concurrent
// use; app.App guards it.
type Model struct {
	Orgs        map[string]Org
	Needs       map[string]Need
	Capacities  map[string]Capacity
	Donations   map[string]Donation
	Allocations map[string]Allocation
	Corrections map[string]Correction
	// offers maps an offer id (a donation line) to its donation.
	offers map[string]string
}

// NewModel returns an empty model.
func NewModel() *Model {
	return &Model{
		Orgs: map[string]Org{}, Needs: map[string]Need{}, Capacities: map[string]Capacity{},
		Donations: map[string]Donation{}, Allocations: map[string]Allocation{}, Corrections: map[string]Correction{}, offers: map[string]string{},
	}
}

// SetOrg, SetNeed, … store an entity as the rules below computed it.
func (m *Model) SetOrg(o Org)               { m.Orgs[o.ID] = o }
func (m *Model) SetNeed(n Need)             { m.Needs[n.ID] = n }
func (m *Model) SetCapacity(c Capacity)     { m.Capacities[c.ID] = c }
func (m *Model) SetAllocation(a Allocation) { m.Allocations[a.ID] = a }
func (m *Model) SetDonation(d Donation) {
	m.Donations[d.ID] = d
	for _, o := range d.Offers {
		m.offers[o] = d.ID
	}
}

// DonationOfOffer returns the donation an offer belongs to.
func (m *Model) DonationOfOffer(offerID string) (Donation, bool) {
	d, ok := m.Donations[m.offers[offerID]]
	return d, ok
}

// The rules: each returns the entity as the event leaves it and whether
// that differs from what the model holds, so a replayed or stale event
// changes nothing.

// OrgRegistered applies aidflow.registry.org_registered.v1.
func (m *Model) OrgRegistered(d events.OrgRegistered) (Org, bool) {
	o := Org{ID: d.OrgID, Role: d.Role, Region: d.Region}
	if d.Role == RoleHospital || d.Role == RoleManufacturer {
		o.Name = Sanitize(d.Name)
	}
	cur, ok := m.Orgs[o.ID]
	return o, !ok || cur != o
}

// NeedPosted applies aidflow.demand.need_posted.v1. A need is posted once;
// a replay of the posting never undoes a later change of status.
func (m *Model) NeedPosted(d events.NeedPosted, at time.Time) (Need, bool) {
	if cur, ok := m.Needs[d.NeedID]; ok {
		return cur, false
	}
	return Need{ID: d.NeedID, HospitalID: d.HospitalID, Item: d.Item, Quantity: d.Quantity, Region: d.Region, Status: NeedOpen, PostedAt: ms(at)}, true
}

// NeedChanged applies need_confirmed, need_cancelled and need_stale: the
// event's status. Cancellation is final. A need never posted is ignored.
func (m *Model) NeedChanged(d events.NeedChanged) (Need, bool) {
	cur, ok := m.Needs[d.NeedID]
	if !ok || cur.Status == NeedCancelled || cur.Status == d.Status || d.Status == "" {
		return cur, false
	}
	cur.Status = d.Status
	return cur, true
}

// CapacityReported applies aidflow.supply.capacity_reported.v1 when its
// revision is newer than the one held.
func (m *Model) CapacityReported(d events.CapacityReported, at time.Time) (Capacity, bool) {
	cur, ok := m.Capacities[d.CapacityID]
	if ok && d.Revision <= cur.Revision {
		return cur, false
	}
	return Capacity{ID: d.CapacityID, ManufacturerID: d.ManufacturerID, Item: d.Item, Region: d.Region,
		AvailableNow: d.AvailableNow, Revision: d.Revision, ReportedAt: ms(at)}, true
}

// DonationPledged applies aidflow.donation.donation_pledged.v1, once.
func (m *Model) DonationPledged(d events.DonationPledged) (Donation, bool) {
	if cur, ok := m.Donations[d.DonationID]; ok {
		return cur, false
	}
	don := Donation{ID: d.DonationID, DonorID: d.DonorID, PublicName: Sanitize(d.PublicName), Offers: []string{}}
	for _, l := range d.Lines {
		don.Offers = append(don.Offers, l.OfferID)
	}
	return don, true
}

// AllocationChanged applies an allocation_* snapshot when its version is
// newer than the one held. A rise in shipped quantity is recorded as a
// shipment at the snapshot's update time (at, the event's time, when the
// snapshot has none).
func (m *Model) AllocationChanged(d events.Allocation, at time.Time) (Allocation, bool) {
	cur, ok := m.Allocations[d.AllocationID]
	if ok && d.Version <= cur.Version {
		return cur, false
	}
	updated := parseTime(d.UpdatedAt, at)
	a := Allocation{
		ID: d.AllocationID, Version: d.Version, NeedID: d.NeedID, HospitalID: d.HospitalID, HospitalRegion: d.HospitalRegion,
		Item: d.Item, Quantity: d.Quantity, SourceKind: d.SourceKind, SourceID: d.SourceID, SourceOrgID: d.SourceOrgID,
		Status: d.Status, Shipped: d.ShippedQuantity, Received: d.ReceivedQuantity,
		DecidedBy: PublicDecidedBy(d.DecidedBy), Reason: Sanitize(d.Reason),
		CreatedAt: parseTime(d.CreatedAt, updated), UpdatedAt: updated,
		Shipments: append([]Shipment(nil), cur.Shipments...),
	}
	if a.Shipped > cur.Shipped {
		a.Shipments = append(a.Shipments, Shipment{Quantity: a.Shipped - cur.Shipped, At: updated})
	}
	return a, true
}

// parseTime reads an RFC 3339 time, or gives def. Times are kept to the
// millisecond, what the database keeps, so the model reads the same after
// a restart.
func parseTime(s string, def time.Time) time.Time {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return ms(t)
	}
	return ms(def)
}

func ms(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }
