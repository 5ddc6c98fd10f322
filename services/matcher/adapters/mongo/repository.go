// Package mongo stores the matcher's state in MongoDB: one collection per
// kind of document, every document addressed by _id. Allocations carry
// their pending events in an outbox array (shared/outbox), so a change and
// its announcement are one write.
package mongo

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/matcher/domain"
	"github.com/aidflow/aidflow/shared/mongox"
	"github.com/aidflow/aidflow/shared/outbox"
)

// Collection names.
const (
	Hospitals   = "hospitals"
	Needs       = "needs"
	Offers      = "offers"
	Allocations = "allocations"
	Stock       = "stock"
)

// Collections lists every collection the matcher writes.
var Collections = []string{Hospitals, Needs, Offers, Allocations, Stock}

// Repository is the MongoDB domain.Repository.
type Repository struct {
	hospitals, needs, offers, allocs, stock *mongo.Collection
	relay                                   *outbox.Relay
}

// New stores the matcher's state in db and relays allocation events
// through relay. Every partition shares the allocations collection, and
// each writes only its items' allocations: relay sweeps those of part only,
// as the removal of another partition's published entries would race that
// partition's own writes to the document (shared/outbox, WatchScoped).
func New(db *mongo.Database, relay *outbox.Relay, part domain.Partition) *Repository {
	r := &Repository{
		hospitals: db.Collection(Hospitals), needs: db.Collection(Needs),
		offers: db.Collection(Offers), allocs: db.Collection(Allocations), stock: db.Collection(Stock), relay: relay,
	}
	if part.Whole() {
		relay.Watch(r.allocs)
	} else {
		relay.WatchScoped(r.allocs, bson.D{{Key: "item", Value: bson.D{{Key: "$in", Value: part.Items}}}})
	}
	return r
}

type hospitalDoc struct {
	ID           string `bson:"_id"`
	Region       string `bson:"region"`
	FacilityType string `bson:"facility_type"`
}

type needDoc struct {
	ID                string   `bson:"_id"`
	HospitalID        string   `bson:"hospital_id"`
	Item              string   `bson:"item"`
	Region            string   `bson:"region"`
	Quantity          int64    `bson:"quantity"`
	Urgency           string   `bson:"urgency"`
	NeededBy          string   `bson:"needed_by"`
	AcceptedStandards []string `bson:"accepted_standards"`
	Status            string   `bson:"status"`
}

type offerDoc struct {
	ID                 string `bson:"_id"`
	Kind               string `bson:"kind"`
	OrgID              string `bson:"org_id"`
	Item               string `bson:"item"`
	Region             string `bson:"region"`
	Standard           string `bson:"standard"`
	AvailableNow       int64  `bson:"available_now"`
	DailyRate          int64  `bson:"daily_rate"`
	LeadTimeDays       int    `bson:"lead_time_days"`
	Revision           int64  `bson:"revision"`
	ReportID           string `bson:"report_id"`
	Quantity           int64  `bson:"quantity"`
	DonationID         string `bson:"donation_id"`
	DirectedHospitalID string `bson:"directed_hospital_id"`
	DirectedRegion     string `bson:"directed_region"`
}

// stockDoc is one hospital's latest report of one item; _id is Stock.Key.
type stockDoc struct {
	ID               string `bson:"_id"`
	HospitalID       string `bson:"hospital_id"`
	Item             string `bson:"item"`
	OnHand           int64  `bson:"on_hand"`
	DailyConsumption int64  `bson:"daily_consumption"`
}

// inputDoc is the event a projection was written from (domain.Input).
type inputDoc struct {
	Stream  string `bson:"stream"`
	Seq     int64  `bson:"seq"`
	EventID string `bson:"event_id"`
}

func toInputDoc(in domain.Input) inputDoc {
	return inputDoc{Stream: in.Stream, Seq: int64(in.Seq), EventID: in.EventID}
}

func (d inputDoc) input(item string) domain.Input {
	return domain.Input{Stream: d.Stream, Seq: uint64(d.Seq), EventID: d.EventID, Item: item}
}

// The projections as stored: the document and the input it was written
// from, in one write.
type (
	hospitalRecord struct {
		Doc   hospitalDoc `bson:",inline"`
		Input inputDoc    `bson:"input"`
	}
	needRecord struct {
		Doc   needDoc  `bson:",inline"`
		Input inputDoc `bson:"input"`
	}
	offerRecord struct {
		Doc   offerDoc `bson:",inline"`
		Input inputDoc `bson:"input"`
	}
	stockRecord struct {
		Doc   stockDoc `bson:",inline"`
		Input inputDoc `bson:"input"`
	}
)

type shipmentDoc struct {
	Quantity int64     `bson:"quantity"`
	ReportID string    `bson:"report_id"`
	At       time.Time `bson:"at"`
}

type allocationDoc struct {
	ID               string        `bson:"_id"`
	Version          int64         `bson:"version"`
	NeedID           string        `bson:"need_id"`
	HospitalID       string        `bson:"hospital_id"`
	HospitalRegion   string        `bson:"hospital_region"`
	Item             string        `bson:"item"`
	Quantity         int64         `bson:"quantity"`
	SourceKind       string        `bson:"source_kind"`
	SourceID         string        `bson:"source_id"`
	SourceOrgID      string        `bson:"source_org_id"`
	SourceRegion     string        `bson:"source_region"`
	Status           string        `bson:"status"`
	ShippedQuantity  int64         `bson:"shipped_quantity"`
	ReceivedQuantity int64         `bson:"received_quantity"`
	DamagedQuantity  int64         `bson:"damaged_quantity"`
	Carrier          string        `bson:"carrier"`
	TrackingNumber   string        `bson:"tracking_number"`
	DecidedBy        string        `bson:"decided_by"`
	Reason           string        `bson:"reason"`
	StatusReason     string        `bson:"status_reason"`
	StatusBy         string        `bson:"status_by,omitempty"`
	RedirectedFrom   string        `bson:"redirected_from,omitempty"`
	RedirectedTo     string        `bson:"redirected_to,omitempty"`
	ReceiptNote      string        `bson:"receipt_note"`
	RunID            string        `bson:"run_id"`
	SourceReport     string        `bson:"source_report"`
	Shipments        []shipmentDoc `bson:"shipments"`
	CreatedAt        time.Time     `bson:"created_at"`
	UpdatedAt        time.Time     `bson:"updated_at"`
	// Sequence numbers the partition's write of this version
	// (domain.Writer.Sequence): on start the matcher numbers on from the
	// highest.
	Sequence int64 `bson:"sequence"`
	// Keys are the request keys of the latest keyed changes (domain.Allocation.Keys).
	Keys []string `bson:"keys"`
}

func toAllocationDoc(a domain.Allocation) allocationDoc {
	d := allocationDoc{
		ID: a.ID, Version: a.Version, NeedID: a.NeedID, HospitalID: a.HospitalID, HospitalRegion: a.HospitalRegion,
		Item: a.Item, Quantity: a.Quantity, SourceKind: a.SourceKind, SourceID: a.SourceID, SourceOrgID: a.SourceOrgID,
		SourceRegion: a.SourceRegion, Status: a.Status, ShippedQuantity: a.ShippedQuantity,
		ReceivedQuantity: a.ReceivedQuantity, DamagedQuantity: a.DamagedQuantity, Carrier: a.Carrier,
		TrackingNumber: a.TrackingNumber, DecidedBy: a.DecidedBy, Reason: a.Reason, StatusReason: a.StatusReason,
		StatusBy: a.StatusBy, RedirectedFrom: a.RedirectedFrom, RedirectedTo: a.RedirectedTo,
		ReceiptNote: a.ReceiptNote, RunID: a.RunID, SourceReport: a.SourceReport, Shipments: []shipmentDoc{},
		CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt, Sequence: a.Writer.Sequence, Keys: a.Keys,
	}
	if d.Keys == nil {
		d.Keys = []string{}
	}
	for _, s := range a.Shipments {
		d.Shipments = append(d.Shipments, shipmentDoc(s))
	}
	return d
}

func (d allocationDoc) allocation() domain.Allocation {
	a := domain.Allocation{
		ID: d.ID, Version: d.Version, NeedID: d.NeedID, HospitalID: d.HospitalID, HospitalRegion: d.HospitalRegion,
		Item: d.Item, Quantity: d.Quantity, SourceKind: d.SourceKind, SourceID: d.SourceID, SourceOrgID: d.SourceOrgID,
		SourceRegion: d.SourceRegion, Status: d.Status, ShippedQuantity: d.ShippedQuantity,
		ReceivedQuantity: d.ReceivedQuantity, DamagedQuantity: d.DamagedQuantity, Carrier: d.Carrier,
		TrackingNumber: d.TrackingNumber, DecidedBy: d.DecidedBy, Reason: d.Reason, StatusReason: d.StatusReason,
		StatusBy: d.StatusBy, RedirectedFrom: d.RedirectedFrom, RedirectedTo: d.RedirectedTo,
		ReceiptNote: d.ReceiptNote, RunID: d.RunID, SourceReport: d.SourceReport, CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC(),
		Writer: domain.Writer{Sequence: d.Sequence}, Keys: d.Keys,
	}
	if len(a.Keys) == 0 {
		a.Keys = nil
	}
	for _, s := range d.Shipments {
		a.Shipments = append(a.Shipments, domain.Shipment{Quantity: s.Quantity, ReportID: s.ReportID, At: s.At.UTC()})
	}
	return a
}

func (r *Repository) Load(ctx context.Context) (domain.Snapshot, error) {
	var s domain.Snapshot
	var hs []hospitalRecord
	if err := findAll(ctx, r.hospitals, &hs); err != nil {
		return s, err
	}
	for _, h := range hs {
		s.Hospitals = append(s.Hospitals, domain.Hospital{ID: h.Doc.ID, Region: h.Doc.Region, FacilityType: h.Doc.FacilityType})
		s.Inputs = append(s.Inputs, h.Input.input(""))
	}
	var ns []needRecord
	if err := findAll(ctx, r.needs, &ns); err != nil {
		return s, err
	}
	for _, n := range ns {
		s.Needs = append(s.Needs, domain.Need(n.Doc))
		s.Inputs = append(s.Inputs, n.Input.input(n.Doc.Item))
	}
	var os []offerRecord
	if err := findAll(ctx, r.offers, &os); err != nil {
		return s, err
	}
	for _, o := range os {
		s.Offers = append(s.Offers, domain.Offer(o.Doc))
		s.Inputs = append(s.Inputs, o.Input.input(o.Doc.Item))
	}
	var as []allocationDoc
	if err := findAll(ctx, r.allocs, &as); err != nil {
		return s, err
	}
	for _, a := range as {
		s.Allocations = append(s.Allocations, a.allocation())
	}
	var ss []stockRecord
	if err := findAll(ctx, r.stock, &ss); err != nil {
		return s, err
	}
	for _, d := range ss {
		s.Stock = append(s.Stock, domain.Stock{HospitalID: d.Doc.HospitalID, Item: d.Doc.Item, OnHand: d.Doc.OnHand, DailyConsumption: d.Doc.DailyConsumption})
		s.Inputs = append(s.Inputs, d.Input.input(d.Doc.Item))
	}
	return s, nil
}

// findAll reads a whole collection: once, at start.
func findAll(ctx context.Context, c *mongo.Collection, out any) error {
	cur, err := c.Find(ctx, bson.D{})
	if err != nil {
		return err
	}
	return cur.All(ctx, out)
}

func replace(ctx context.Context, c *mongo.Collection, id string, doc any) error {
	_, err := c.ReplaceOne(ctx, bson.D{{Key: "_id", Value: id}}, doc, options.Replace().SetUpsert(true))
	return err
}

// SaveHospital replaces the hospital unless the stored one was written
// from a later event of the same stream (by another partition, which read
// the registry further): the filter then matches nothing, the upsert's
// insert collides on _id, and the newer document stays.
func (r *Repository) SaveHospital(ctx context.Context, h domain.Hospital, from domain.Input) error {
	filter := bson.D{{Key: "_id", Value: h.ID}, {Key: "$or", Value: bson.A{
		bson.D{{Key: "input.stream", Value: bson.D{{Key: "$ne", Value: from.Stream}}}},
		bson.D{{Key: "input.seq", Value: bson.D{{Key: "$lte", Value: int64(from.Seq)}}}},
	}}}
	doc := hospitalRecord{hospitalDoc{ID: h.ID, Region: h.Region, FacilityType: h.FacilityType}, toInputDoc(from)}
	_, err := r.hospitals.ReplaceOne(ctx, filter, doc, options.Replace().SetUpsert(true))
	if mongox.IsDuplicate(err) {
		return nil
	}
	return err
}

func (r *Repository) SaveNeed(ctx context.Context, n domain.Need, from domain.Input) error {
	d := needDoc(n)
	if d.AcceptedStandards == nil {
		d.AcceptedStandards = []string{}
	}
	return replace(ctx, r.needs, n.ID, needRecord{d, toInputDoc(from)})
}

func (r *Repository) SaveOffer(ctx context.Context, o domain.Offer, from domain.Input) error {
	return replace(ctx, r.offers, o.ID, offerRecord{offerDoc(o), toInputDoc(from)})
}

func (r *Repository) SaveStock(ctx context.Context, s domain.Stock, from domain.Input) error {
	doc := stockDoc{ID: s.Key(), HospitalID: s.HospitalID, Item: s.Item, OnHand: s.OnHand, DailyConsumption: s.DailyConsumption}
	return replace(ctx, r.stock, s.Key(), stockRecord{doc, toInputDoc(from)})
}

func (r *Repository) InsertAllocation(ctx context.Context, a domain.Allocation, evs ...events.Envelope) error {
	err := r.relay.Insert(ctx, r.allocs, toAllocationDoc(a), evs...)
	if mongox.IsDuplicate(err) {
		return domain.ErrAllocationExists
	}
	return err
}

// UpdateAllocation sets every field but the id: an allocation is small and
// whole-state writes cannot drift from the domain type.
func (r *Repository) UpdateAllocation(ctx context.Context, a domain.Allocation, evs ...events.Envelope) error {
	raw, err := bson.Marshal(toAllocationDoc(a))
	if err != nil {
		return err
	}
	var fields bson.D
	if err := bson.Unmarshal(raw, &fields); err != nil {
		return err
	}
	set := fields[:0]
	for _, f := range fields {
		if f.Key != "_id" {
			set = append(set, f)
		}
	}
	err = r.relay.Update(ctx, r.allocs, a.ID, bson.D{{Key: "$set", Value: set}}, evs...)
	if mongox.IsNotFound(err) {
		return domain.ErrAllocationNotFound
	}
	return err
}

func (r *Repository) GetAllocation(ctx context.Context, id string) (domain.Allocation, error) {
	d, err := mongox.FindByID[allocationDoc](ctx, r.allocs, id, domain.ErrAllocationNotFound)
	if err != nil {
		return domain.Allocation{}, err
	}
	return d.allocation(), nil
}

// NeedItem is the item of a stored need of any partition, read by _id:
// the routes forward an override to the partition serving that item.
func (r *Repository) NeedItem(ctx context.Context, id string) (string, bool, error) {
	var d struct {
		Item string `bson:"item"`
	}
	err := r.needs.FindOne(ctx, bson.D{{Key: "_id", Value: id}}, options.FindOne().SetProjection(bson.D{{Key: "item", Value: 1}})).Decode(&d)
	if mongox.IsNotFound(err) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	return d.Item, true, nil
}
