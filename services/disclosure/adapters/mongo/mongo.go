// Package mongo stores disclosure's read model in MongoDB: one collection
// per entity, one document per entity by _id, public fields only. The
// whole model is read once at start; every write addresses one _id.
package mongo

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/aidflow/aidflow/services/disclosure/domain"
)

// Collection names.
const (
	Orgs        = "orgs"
	Needs       = "needs"
	Capacities  = "capacities"
	Donations   = "donations"
	Allocations = "allocations"
)

// Collections lists every collection, for mongox.EnsureCollections.
var Collections = []string{Orgs, Needs, Capacities, Donations, Allocations}

// Store is the MongoDB domain.Store.
type Store struct{ db *mongo.Database }

// New keeps the read model in db.
func New(db *mongo.Database) *Store { return &Store{db: db} }

type orgDoc struct {
	ID     string `bson:"_id"`
	Name   string `bson:"name"`
	Role   string `bson:"role"`
	Region string `bson:"region"`
}

type needDoc struct {
	ID         string    `bson:"_id"`
	HospitalID string    `bson:"hospital_id"`
	Item       string    `bson:"item"`
	Quantity   int64     `bson:"quantity"`
	Region     string    `bson:"region"`
	Status     string    `bson:"status"`
	PostedAt   time.Time `bson:"posted_at"`
}

type capacityDoc struct {
	ID             string    `bson:"_id"`
	ManufacturerID string    `bson:"manufacturer_id"`
	Item           string    `bson:"item"`
	Region         string    `bson:"region"`
	AvailableNow   int64     `bson:"available_now"`
	Revision       int64     `bson:"revision"`
	ReportedAt     time.Time `bson:"reported_at"`
}

type donationDoc struct {
	ID         string   `bson:"_id"`
	DonorID    string   `bson:"donor_id"`
	PublicName string   `bson:"public_name"`
	Offers     []string `bson:"offers"`
}

type shipmentDoc struct {
	Quantity int64     `bson:"quantity"`
	At       time.Time `bson:"at"`
}

type allocationDoc struct {
	ID             string        `bson:"_id"`
	Version        int64         `bson:"version"`
	NeedID         string        `bson:"need_id"`
	HospitalID     string        `bson:"hospital_id"`
	HospitalRegion string        `bson:"hospital_region"`
	Item           string        `bson:"item"`
	Quantity       int64         `bson:"quantity"`
	SourceKind     string        `bson:"source_kind"`
	SourceID       string        `bson:"source_id"`
	SourceOrgID    string        `bson:"source_org_id"`
	Status         string        `bson:"status"`
	Shipped        int64         `bson:"shipped"`
	Received       int64         `bson:"received"`
	DecidedBy      string        `bson:"decided_by"`
	Reason         string        `bson:"reason"`
	CreatedAt      time.Time     `bson:"created_at"`
	UpdatedAt      time.Time     `bson:"updated_at"`
	Shipments      []shipmentDoc `bson:"shipments"`
}

func (s *Store) replace(ctx context.Context, coll, id string, doc any) error {
	_, err := s.db.Collection(coll).ReplaceOne(ctx, bson.D{{Key: "_id", Value: id}}, doc, options.Replace().SetUpsert(true))
	return err
}

func (s *Store) PutOrg(ctx context.Context, o domain.Org) error {
	return s.replace(ctx, Orgs, o.ID, orgDoc(o))
}

func (s *Store) PutNeed(ctx context.Context, n domain.Need) error {
	return s.replace(ctx, Needs, n.ID, needDoc(n))
}

func (s *Store) PutCapacity(ctx context.Context, c domain.Capacity) error {
	return s.replace(ctx, Capacities, c.ID, capacityDoc(c))
}

func (s *Store) PutDonation(ctx context.Context, d domain.Donation) error {
	doc := donationDoc(d)
	if doc.Offers == nil {
		doc.Offers = []string{}
	}
	return s.replace(ctx, Donations, d.ID, doc)
}

func (s *Store) PutAllocation(ctx context.Context, a domain.Allocation) error {
	doc := allocationDoc{ID: a.ID, Version: a.Version, NeedID: a.NeedID, HospitalID: a.HospitalID, HospitalRegion: a.HospitalRegion,
		Item: a.Item, Quantity: a.Quantity, SourceKind: a.SourceKind, SourceID: a.SourceID, SourceOrgID: a.SourceOrgID,
		Status: a.Status, Shipped: a.Shipped, Received: a.Received, DecidedBy: a.DecidedBy, Reason: a.Reason,
		CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt, Shipments: []shipmentDoc{}}
	for _, sh := range a.Shipments {
		doc.Shipments = append(doc.Shipments, shipmentDoc(sh))
	}
	return s.replace(ctx, Allocations, a.ID, doc)
}

// each decodes every document of a collection.
func each[D any](ctx context.Context, db *mongo.Database, coll string, fn func(D)) error {
	cur, err := db.Collection(coll).Find(ctx, bson.D{})
	if err != nil {
		return err
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		var d D
		if err := cur.Decode(&d); err != nil {
			return err
		}
		fn(d)
	}
	return cur.Err()
}

func (s *Store) Load(ctx context.Context) (*domain.Model, error) {
	m := domain.NewModel()
	utc := func(t time.Time) time.Time { return t.UTC() }
	if err := each(ctx, s.db, Orgs, func(d orgDoc) { m.SetOrg(domain.Org(d)) }); err != nil {
		return nil, err
	}
	if err := each(ctx, s.db, Needs, func(d needDoc) { d.PostedAt = utc(d.PostedAt); m.SetNeed(domain.Need(d)) }); err != nil {
		return nil, err
	}
	if err := each(ctx, s.db, Capacities, func(d capacityDoc) { d.ReportedAt = utc(d.ReportedAt); m.SetCapacity(domain.Capacity(d)) }); err != nil {
		return nil, err
	}
	if err := each(ctx, s.db, Donations, func(d donationDoc) { m.SetDonation(domain.Donation(d)) }); err != nil {
		return nil, err
	}
	err := each(ctx, s.db, Allocations, func(d allocationDoc) {
		a := domain.Allocation{ID: d.ID, Version: d.Version, NeedID: d.NeedID, HospitalID: d.HospitalID, HospitalRegion: d.HospitalRegion,
			Item: d.Item, Quantity: d.Quantity, SourceKind: d.SourceKind, SourceID: d.SourceID, SourceOrgID: d.SourceOrgID,
			Status: d.Status, Shipped: d.Shipped, Received: d.Received, DecidedBy: d.DecidedBy, Reason: d.Reason,
			CreatedAt: utc(d.CreatedAt), UpdatedAt: utc(d.UpdatedAt)}
		for _, sh := range d.Shipments {
			a.Shipments = append(a.Shipments, domain.Shipment{Quantity: sh.Quantity, At: utc(sh.At)})
		}
		m.SetAllocation(a)
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}
