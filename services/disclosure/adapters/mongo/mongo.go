// Package mongo stores disclosure's read model in MongoDB: one collection
// per entity, one document per entity by _id, public fields only. The
// whole model is read once at start; every write addresses one _id.
package mongo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/aidflow/aidflow/services/disclosure/domain"
	"github.com/aidflow/aidflow/shared/apperr"
	"github.com/aidflow/aidflow/shared/mongox"
)

// Collection names.
const (
	Orgs        = "orgs"
	Needs       = "needs"
	Capacities  = "capacities"
	Donations   = "donations"
	Allocations = "allocations"
	Snapshots   = "snapshots"
	Corrections = "corrections"
)

// Collections lists every collection, for mongox.EnsureCollections.
var Collections = []string{Orgs, Needs, Capacities, Donations, Allocations, Snapshots, Corrections}

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
	return mongox.Each(ctx, db.Collection(coll), bson.D{}, func(d D) error { fn(d); return nil })
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
	err = each(ctx, s.db, Corrections, func(d correctionDoc) {
		c := domain.Correction{ID: d.ID, Subject: d.Subject, CorrectsType: d.CorrectsType, Reason: d.Reason, By: d.By, At: utc(d.At)}
		for _, f := range d.Fields {
			c.Fields = append(c.Fields, domain.CorrectedField(f))
		}
		m.SetCorrection(c)
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

type correctedFieldDoc struct {
	Field string `bson:"field"`
	Value string `bson:"value"`
}

type correctionDoc struct {
	ID           string              `bson:"_id"`
	Subject      string              `bson:"subject"`
	CorrectsType string              `bson:"corrects_type"`
	Reason       string              `bson:"reason"`
	By           string              `bson:"by"`
	Fields       []correctedFieldDoc `bson:"fields"`
	At           time.Time           `bson:"at"`
}

func (s *Store) PutCorrection(ctx context.Context, c domain.Correction) error {
	doc := correctionDoc{ID: c.ID, Subject: c.Subject, CorrectsType: c.CorrectsType, Reason: c.Reason, By: c.By, At: c.At, Fields: []correctedFieldDoc{}}
	for _, f := range c.Fields {
		doc.Fields = append(doc.Fields, correctedFieldDoc(f))
	}
	return s.replace(ctx, Corrections, c.ID, doc)
}

// snapshotDoc keeps each dataset as its JSON export: the rows are public
// views already, stored exactly as they are served, and the counts let
// the list be read without decoding them. A document is bounded by
// MongoDB's 16 MB: some 40,000 flows.
type snapshotDoc struct {
	ID      string    `bson:"_id"`
	TakenAt time.Time `bson:"taken_at"`
	Counts  []int     `bson:"counts"` // flows, summary, regions
	Summary []byte    `bson:"summary"`
	Regions []byte    `bson:"regions"`
	Flows   []byte    `bson:"flows"`
}

func (s *Store) PutSnapshot(ctx context.Context, sn domain.Snapshot) error {
	doc := snapshotDoc{ID: sn.Date, TakenAt: sn.TakenAt, Counts: []int{len(sn.Flows), len(sn.Summary), len(sn.Regions)}}
	var err error
	if doc.Summary, err = json.Marshal(orEmpty(sn.Summary)); err != nil {
		return err
	}
	if doc.Regions, err = json.Marshal(orEmpty(sn.Regions)); err != nil {
		return err
	}
	if doc.Flows, err = json.Marshal(orEmpty(sn.Flows)); err != nil {
		return err
	}
	return s.replace(ctx, Snapshots, sn.Date, doc)
}

func orEmpty[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}

func (s *Store) GetSnapshot(ctx context.Context, date string) (domain.Snapshot, error) {
	var doc snapshotDoc
	err := s.db.Collection(Snapshots).FindOne(ctx, bson.D{{Key: "_id", Value: date}}).Decode(&doc)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return domain.Snapshot{}, apperr.New(apperr.NotFound, "no snapshot dated %s", date)
	}
	if err != nil {
		return domain.Snapshot{}, err
	}
	sn := domain.Snapshot{Date: doc.ID, TakenAt: doc.TakenAt.UTC()}
	for _, part := range []struct {
		raw []byte
		dst any
	}{{doc.Summary, &sn.Summary}, {doc.Regions, &sn.Regions}, {doc.Flows, &sn.Flows}} {
		if err := json.Unmarshal(part.raw, part.dst); err != nil {
			return domain.Snapshot{}, fmt.Errorf("snapshot %s: %w", date, err)
		}
	}
	return sn, nil
}

// ListSnapshots reads only the dates, times and counts (one document a
// day: a few hundred in a year).
func (s *Store) ListSnapshots(ctx context.Context) ([]domain.SnapshotInfo, error) {
	var out []domain.SnapshotInfo
	err := mongox.Each(ctx, s.db.Collection(Snapshots), bson.D{}, func(d snapshotDoc) error {
		in := domain.SnapshotInfo{Date: d.ID, TakenAt: d.TakenAt.UTC()}
		if len(d.Counts) == 3 {
			in.Flows, in.Summary, in.Regions = d.Counts[0], d.Counts[1], d.Counts[2]
		}
		out = append(out, in)
		return nil
	}, options.Find().SetProjection(bson.D{{Key: "taken_at", Value: 1}, {Key: "counts", Value: 1}}))
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b domain.SnapshotInfo) int { return strings.Compare(a.Date, b.Date) })
	return out, nil
}
