// Package mongo stores needs in MongoDB, one document per need with its
// allocation snapshots and its outbox.
package mongo

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/demand/domain"
	"github.com/aidflow/aidflow/shared/keymutex"
	"github.com/aidflow/aidflow/shared/mongox"
	"github.com/aidflow/aidflow/shared/outbox"
)

// Collection is the needs' collection name.
const Collection = "needs"

// Needs is the MongoDB domain.Repository. Every read and write addresses
// one document by _id, the only filter the embedded store answers without
// a scan; All is the exception, read once at start.
type Needs struct {
	coll  *mongo.Collection
	relay *outbox.Relay
	locks keymutex.Map
}

// NewNeeds stores needs in db and relays their events through relay.
func NewNeeds(db *mongo.Database, relay *outbox.Relay) *Needs {
	c := db.Collection(Collection)
	relay.Watch(c)
	return &Needs{coll: c, relay: relay}
}

type allocationDoc struct {
	ID         string `bson:"id"`
	Quantity   int64  `bson:"quantity"`
	Status     string `bson:"status"`
	SourceKind string `bson:"source_kind"`
	Shipped    int64  `bson:"shipped_quantity"`
	Received   int64  `bson:"received_quantity"`
	Damaged    int64  `bson:"damaged_quantity"`
	Version    int64  `bson:"version"`
}

type timelineDoc struct {
	At           time.Time `bson:"at"`
	Type         string    `bson:"type"`
	Status       string    `bson:"status"`
	AllocationID string    `bson:"allocation_id,omitempty"`
	Quantity     int64     `bson:"quantity,omitempty"`
	Shipped      int64     `bson:"shipped_quantity,omitempty"`
	Received     int64     `bson:"received_quantity,omitempty"`
	Damaged      int64     `bson:"damaged_quantity,omitempty"`
}

// dayDoc is one end-of-day figure; a need keeps a month of them (about 32
// small documents in its array, well inside any document limit).
type dayDoc struct {
	Date           string `bson:"date"`
	Status         string `bson:"status"`
	Quantity       int64  `bson:"quantity"`
	Unallocated    int64  `bson:"unallocated"`
	Delivered      int64  `bson:"delivered"`
	DeliveredToday int64  `bson:"delivered_today,omitempty"`
	Posted         bool   `bson:"posted,omitempty"`
}

// needDoc is the stored shape. The pointers have no omitempty so that $set
// writes null when a mark is cleared (Confirm clears stale_at).
type needDoc struct {
	ID                 string          `bson:"_id"`
	HospitalID         string          `bson:"hospital_id"`
	Item               string          `bson:"item"`
	Quantity           int64           `bson:"quantity"`
	Urgency            string          `bson:"urgency"`
	NeededBy           string          `bson:"needed_by"`
	Region             string          `bson:"region"`
	AcceptedStandards  []string        `bson:"accepted_standards"`
	Note               string          `bson:"note"`
	Status             string          `bson:"status"`
	AllocatedQuantity  int64           `bson:"allocated_quantity"`
	DispatchedQuantity int64           `bson:"dispatched_quantity"`
	DeliveredQuantity  int64           `bson:"delivered_quantity"`
	Allocations        []allocationDoc `bson:"allocations"`
	CreatedAt          time.Time       `bson:"created_at"`
	UpdatedAt          time.Time       `bson:"updated_at"`
	ConfirmedAt        *time.Time      `bson:"confirmed_at"`
	CancelledAt        *time.Time      `bson:"cancelled_at"`
	StaleAt            *time.Time      `bson:"stale_at"`
	Timeline           []timelineDoc   `bson:"timeline"`
	TimelineOmitted    int64           `bson:"timeline_omitted"`
	Revision           int64           `bson:"revision"`
	// Days is absent in needs stored before day figures were kept
	// (domain.Need.DayFigures reads those).
	Days []dayDoc `bson:"days,omitempty"`
}

func toDoc(n domain.Need) needDoc {
	d := needDoc{
		ID: n.ID, HospitalID: n.HospitalID, Item: n.Item, Quantity: n.Quantity, Urgency: n.Urgency,
		NeededBy: n.NeededBy, Region: n.Region, AcceptedStandards: n.AcceptedStandards, Note: n.Note,
		Status: n.Status, AllocatedQuantity: n.AllocatedQuantity, DispatchedQuantity: n.DispatchedQuantity,
		DeliveredQuantity: n.DeliveredQuantity, Allocations: []allocationDoc{},
		CreatedAt: n.CreatedAt, UpdatedAt: n.UpdatedAt, ConfirmedAt: n.ConfirmedAt, CancelledAt: n.CancelledAt,
		StaleAt: n.StaleAt, Revision: n.Revision, Timeline: []timelineDoc{}, TimelineOmitted: n.TimelineOmitted,
	}
	if d.AcceptedStandards == nil {
		d.AcceptedStandards = []string{}
	}
	for _, e := range n.Timeline {
		d.Timeline = append(d.Timeline, timelineDoc(e))
	}
	for _, a := range n.Allocations {
		d.Allocations = append(d.Allocations, allocationDoc(a))
	}
	for _, f := range n.Days {
		d.Days = append(d.Days, dayDoc(f))
	}
	return d
}

func (d needDoc) need() domain.Need {
	n := domain.Need{
		ID: d.ID, HospitalID: d.HospitalID, Item: d.Item, Quantity: d.Quantity, Urgency: d.Urgency,
		NeededBy: d.NeededBy, Region: d.Region, AcceptedStandards: d.AcceptedStandards, Note: d.Note,
		Status: d.Status, AllocatedQuantity: d.AllocatedQuantity, DispatchedQuantity: d.DispatchedQuantity,
		DeliveredQuantity: d.DeliveredQuantity, Allocations: []domain.Allocation{},
		CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC(), ConfirmedAt: utc(d.ConfirmedAt),
		CancelledAt: utc(d.CancelledAt), StaleAt: utc(d.StaleAt), Revision: d.Revision, TimelineOmitted: d.TimelineOmitted,
	}
	for _, e := range d.Timeline {
		e.At = e.At.UTC()
		n.Timeline = append(n.Timeline, domain.TimelineEntry(e))
	}
	if n.AcceptedStandards == nil {
		n.AcceptedStandards = []string{}
	}
	for _, a := range d.Allocations {
		n.Allocations = append(n.Allocations, domain.Allocation(a))
	}
	for _, f := range d.Days {
		n.Days = append(n.Days, domain.DayFigure(f))
	}
	return n
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func (r *Needs) Create(ctx context.Context, n domain.Need, evs ...events.Envelope) error {
	err := r.relay.Insert(ctx, r.coll, toDoc(n), evs...)
	if mongox.IsDuplicate(err) {
		return domain.ErrNeedExists
	}
	return err
}

func (r *Needs) Get(ctx context.Context, id string) (domain.Need, error) {
	d, err := mongox.FindByID[needDoc](ctx, r.coll, id, domain.ErrNeedNotFound, options.FindOne().SetProjection(bson.D{{Key: outbox.Field, Value: 0}}))
	if err != nil {
		return domain.Need{}, err
	}
	return d.need(), nil
}

func (r *Needs) Update(ctx context.Context, id string, change func(*domain.Need) ([]events.Envelope, error)) (domain.Need, error) {
	unlock := r.locks.Lock(id)
	defer unlock()
	n, err := r.Get(ctx, id)
	if err != nil {
		return domain.Need{}, err
	}
	read := n.Clone()
	evs, err := change(&n)
	if errors.Is(err, domain.ErrUnchanged) {
		return read, nil
	}
	if err != nil {
		return domain.Need{}, err
	}
	n.Revision++
	set, err := mongox.SetOf(toDoc(n))
	if err != nil {
		return domain.Need{}, err
	}
	err = r.relay.Update(ctx, r.coll, id, bson.D{{Key: "$set", Value: set}}, evs...)
	if mongox.IsNotFound(err) {
		return domain.Need{}, domain.ErrNeedNotFound
	}
	if err != nil {
		return domain.Need{}, err
	}
	return n, nil
}

// All reads every need once; it is the start-up load of the list index,
// never a request path.
func (r *Needs) All(ctx context.Context, f func(domain.Need) error) error {
	return mongox.Each(ctx, r.coll, bson.D{}, func(d needDoc) error { return f(d.need()) },
		options.Find().SetProjection(bson.D{{Key: outbox.Field, Value: 0}}))
}
