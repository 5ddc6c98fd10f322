// Package mongo stores the donation service's data in MongoDB: one document
// per donation (with its allocations and its outbox), one per tracking code
// (_id = the code, pointing at the donation) and one per organization of
// the registry's announcements. Every read and write addresses one document
// by _id, the only lookup the embedded store serves from an index.
package mongo

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/donation/domain"
	"github.com/aidflow/aidflow/shared/keymutex"
	"github.com/aidflow/aidflow/shared/mongox"
	"github.com/aidflow/aidflow/shared/outbox"
)

// Collection names.
const (
	DonationsCollection = "donations"
	CodesCollection     = "tracking_codes"
	OrgsCollection      = "orgs"
)

// Collections lists every collection of the service, for EnsureCollections.
var Collections = []string{DonationsCollection, CodesCollection, OrgsCollection}

// Donations is the MongoDB domain.Repository.
type Donations struct {
	donations *mongo.Collection
	codes     *mongo.Collection
	relay     *outbox.Relay
	locks     keymutex.Map

	mu sync.Mutex
	// due holds the due time of every watched donation (directed, not
	// flagged, not delivered): the overdue sweep reads it instead of
	// scanning the collection.
	due map[string]time.Time
}

// NewDonations stores donations in db, relays their events through relay,
// and loads the watched directed gifts with one read of the collection.
func NewDonations(ctx context.Context, db *mongo.Database, relay *outbox.Relay) (*Donations, error) {
	c := db.Collection(DonationsCollection)
	relay.Watch(c)
	r := &Donations{donations: c, codes: db.Collection(CodesCollection), relay: relay, due: map[string]time.Time{}}
	err := mongox.Each(ctx, c, bson.D{}, func(doc donationDoc) error { r.watch(doc.donation()); return nil },
		options.Find().SetProjection(bson.D{{Key: outbox.Field, Value: 0}}))
	if err != nil {
		return nil, err
	}
	return r, nil
}

// watch keeps d's entry in the due index current after a write.
func (r *Donations) watch(d domain.Donation) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if d.Watched() {
		r.due[d.ID] = d.DueAt()
	} else {
		delete(r.due, d.ID)
	}
}

func (r *Donations) DueDirected(_ context.Context, now time.Time) ([]string, error) {
	r.mu.Lock()
	ids := []string{}
	for id, due := range r.due {
		if !due.After(now) {
			ids = append(ids, id)
		}
	}
	r.mu.Unlock()
	slices.Sort(ids)
	return ids, nil
}

type lineDoc struct {
	Item     string `bson:"item"`
	Quantity int64  `bson:"quantity"`
	Standard string `bson:"standard"`
}

type allocDoc struct {
	Line           int        `bson:"line"`
	Item           string     `bson:"item"`
	Quantity       int64      `bson:"quantity"`
	Status         string     `bson:"status"`
	HospitalID     string     `bson:"hospital_id"`
	HospitalRegion string     `bson:"hospital_region"`
	Shipped        int64      `bson:"shipped"`
	Received       int64      `bson:"received"`
	Damaged        int64      `bson:"damaged"`
	Version        int64      `bson:"version"`
	AllocatedAt    time.Time  `bson:"allocated_at"`
	DispatchedAt   *time.Time `bson:"dispatched_at"`
	DeliveredAt    *time.Time `bson:"delivered_at"`
	UpdatedAt      time.Time  `bson:"updated_at"`
}

type donationDoc struct {
	ID                 string              `bson:"_id"`
	DonorID            string              `bson:"donor_id"`
	DonorRegion        string              `bson:"donor_region"`
	TrackingCode       string              `bson:"tracking_code"`
	Lines              []lineDoc           `bson:"lines"`
	DirectedRegion     string              `bson:"directed_region"`
	DirectedHospitalID string              `bson:"directed_hospital_id"`
	PublicName         string              `bson:"public_name"`
	Anonymous          bool                `bson:"anonymous"`
	CreatedAt          time.Time           `bson:"created_at"`
	OverdueAt          *time.Time          `bson:"overdue_at"`
	Allocations        map[string]allocDoc `bson:"allocations"`
	Corrections        []correctionDoc     `bson:"corrections,omitempty"`
}

// correctionDoc keeps a correction's values as their JSON text.
type correctionDoc struct {
	EventID      string            `bson:"event_id"`
	AllocationID string            `bson:"allocation_id"`
	CorrectsType string            `bson:"corrects_type"`
	Reason       string            `bson:"reason"`
	Corrected    map[string]string `bson:"corrected,omitempty"`
	CorrectedAt  time.Time         `bson:"corrected_at"`
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func toDoc(d domain.Donation) donationDoc {
	doc := donationDoc{ID: d.ID, DonorID: d.DonorID, DonorRegion: d.DonorRegion, TrackingCode: d.TrackingCode,
		DirectedRegion: d.DirectedRegion, DirectedHospitalID: d.DirectedHospitalID, PublicName: d.PublicName,
		Anonymous: d.Anonymous, CreatedAt: d.CreatedAt, OverdueAt: d.OverdueAt, Lines: []lineDoc{}, Allocations: map[string]allocDoc{}}
	for _, l := range d.Lines {
		doc.Lines = append(doc.Lines, lineDoc(l))
	}
	for id, a := range d.Allocations {
		doc.Allocations[id] = allocDoc{Line: a.Line, Item: a.Item, Quantity: a.Quantity, Status: a.Status, HospitalID: a.HospitalID,
			HospitalRegion: a.HospitalRegion, Shipped: a.Shipped, Received: a.Received, Damaged: a.Damaged, Version: a.Version,
			AllocatedAt: a.AllocatedAt, DispatchedAt: a.DispatchedAt, DeliveredAt: a.DeliveredAt, UpdatedAt: a.UpdatedAt}
	}
	for _, c := range d.Corrections {
		cd := correctionDoc{EventID: c.EventID, AllocationID: c.AllocationID, CorrectsType: c.CorrectsType, Reason: c.Reason, CorrectedAt: c.CorrectedAt}
		for k, v := range c.Corrected {
			if cd.Corrected == nil {
				cd.Corrected = map[string]string{}
			}
			cd.Corrected[k] = string(v)
		}
		doc.Corrections = append(doc.Corrections, cd)
	}
	return doc
}

func (doc donationDoc) donation() domain.Donation {
	d := domain.Donation{ID: doc.ID, DonorID: doc.DonorID, DonorRegion: doc.DonorRegion, TrackingCode: doc.TrackingCode,
		DirectedRegion: doc.DirectedRegion, DirectedHospitalID: doc.DirectedHospitalID, PublicName: doc.PublicName,
		Anonymous: doc.Anonymous, CreatedAt: doc.CreatedAt.UTC(), OverdueAt: utc(doc.OverdueAt), Allocations: map[string]domain.Allocation{}}
	for _, l := range doc.Lines {
		d.Lines = append(d.Lines, domain.Line(l))
	}
	for id, a := range doc.Allocations {
		d.Allocations[id] = domain.Allocation{ID: id, Line: a.Line, Item: a.Item, Quantity: a.Quantity, Status: a.Status,
			HospitalID: a.HospitalID, HospitalRegion: a.HospitalRegion, Shipped: a.Shipped, Received: a.Received, Damaged: a.Damaged,
			Version: a.Version, AllocatedAt: a.AllocatedAt.UTC(), DispatchedAt: utc(a.DispatchedAt), DeliveredAt: utc(a.DeliveredAt),
			UpdatedAt: a.UpdatedAt.UTC()}
	}
	for _, cd := range doc.Corrections {
		c := domain.Correction{EventID: cd.EventID, AllocationID: cd.AllocationID, CorrectsType: cd.CorrectsType, Reason: cd.Reason, CorrectedAt: cd.CorrectedAt.UTC()}
		for k, v := range cd.Corrected {
			if c.Corrected == nil {
				c.Corrected = map[string]json.RawMessage{}
			}
			c.Corrected[k] = json.RawMessage(v)
		}
		d.Corrections = append(d.Corrections, c)
	}
	return d
}

type codeDoc struct {
	Code       string `bson:"_id"`
	DonationID string `bson:"donation_id"`
}

func (r *Donations) ReserveCode(ctx context.Context, code, donationID string) error {
	_, err := r.codes.InsertOne(ctx, codeDoc{Code: code, DonationID: donationID})
	if mongox.IsDuplicate(err) {
		return domain.ErrCodeTaken
	}
	return err
}

func (r *Donations) DonationOfCode(ctx context.Context, code string) (string, error) {
	var d codeDoc
	err := r.codes.FindOne(ctx, bson.D{{Key: "_id", Value: code}}).Decode(&d)
	if mongox.IsNotFound(err) {
		return "", domain.ErrCodeNotFound
	}
	return d.DonationID, err
}

func (r *Donations) Create(ctx context.Context, d domain.Donation, evs ...events.Envelope) error {
	err := r.relay.Insert(ctx, r.donations, toDoc(d), evs...)
	if mongox.IsDuplicate(err) {
		return domain.ErrExists
	}
	if err == nil {
		r.watch(d)
	}
	return err
}

func (r *Donations) Get(ctx context.Context, id string) (domain.Donation, error) {
	doc, err := mongox.FindByID[donationDoc](ctx, r.donations, id, domain.ErrDonationNotFound, options.FindOne().SetProjection(bson.D{{Key: outbox.Field, Value: 0}}))
	if err != nil {
		return domain.Donation{}, err
	}
	return doc.donation(), nil
}

func (r *Donations) Update(ctx context.Context, id string, change func(*domain.Donation) ([]events.Envelope, error)) (domain.Donation, error) {
	unlock := r.locks.Lock(id)
	defer unlock()
	cur, err := r.Get(ctx, id)
	if err != nil {
		return domain.Donation{}, err
	}
	d := cur.Clone()
	evs, err := change(&d)
	if errors.Is(err, domain.ErrNoChange) {
		return cur, nil
	}
	if err != nil {
		return domain.Donation{}, err
	}
	set, err := mongox.SetOf(toDoc(d))
	if err != nil {
		return domain.Donation{}, err
	}
	if err := r.relay.Update(ctx, r.donations, id, bson.D{{Key: "$set", Value: set}}, evs...); err != nil {
		if mongox.IsNotFound(err) {
			return domain.Donation{}, domain.ErrDonationNotFound
		}
		return domain.Donation{}, err
	}
	r.watch(d)
	return d, nil
}

// Orgs is the MongoDB domain.Orgs.
type Orgs struct{ coll *mongo.Collection }

// NewOrgs keeps the organizations in db.
func NewOrgs(db *mongo.Database) *Orgs { return &Orgs{coll: db.Collection(OrgsCollection)} }

type orgDoc struct {
	ID     string `bson:"_id"`
	Name   string `bson:"name"`
	Role   string `bson:"role"`
	Region string `bson:"region"`
}

func (r *Orgs) Put(ctx context.Context, o domain.Org) error {
	_, err := r.coll.ReplaceOne(ctx, bson.D{{Key: "_id", Value: o.ID}}, orgDoc(o), options.Replace().SetUpsert(true))
	return err
}

func (r *Orgs) Get(ctx context.Context, id string) (domain.Org, error) {
	d, err := mongox.FindByID[orgDoc](ctx, r.coll, id, domain.ErrOrgNotFound)
	if err != nil {
		return domain.Org{}, err
	}
	return domain.Org(d), nil
}
