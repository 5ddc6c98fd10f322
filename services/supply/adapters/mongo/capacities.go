// Package mongo stores capacity reports in MongoDB: one document per
// manufacturer and item (_id = the capacity id) holding the report, the
// allocations made from it and its outbox. Lists are served from an
// in-memory index loaded once at start and kept current on every write,
// because the embedded store scans the whole collection for any filter
// other than {_id: x} (DESIGN.md, gotchas).
package mongo

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/supply/domain"
	"github.com/aidflow/aidflow/shared/apperr"
	"github.com/aidflow/aidflow/shared/keymutex"
	"github.com/aidflow/aidflow/shared/mongox"
	"github.com/aidflow/aidflow/shared/outbox"
)

// Collection is the capacity reports' collection name.
const Collection = "capacity"

// Capacities is the MongoDB domain.Repository.
type Capacities struct {
	coll  *mongo.Collection
	relay *outbox.Relay
	locks keymutex.Map

	mu    sync.RWMutex
	index map[string]domain.Capacity // compact copies, for List
}

// NewCapacities stores reports in db, relays their events through relay,
// and loads the list index with one read of the collection.
func NewCapacities(ctx context.Context, db *mongo.Database, relay *outbox.Relay) (*Capacities, error) {
	c := db.Collection(Collection)
	relay.Watch(c)
	r := &Capacities{coll: c, relay: relay, index: map[string]domain.Capacity{}}
	err := mongox.Each(ctx, c, bson.D{}, func(d capacityDoc) error { r.index[d.ID] = d.capacity().Compact(); return nil },
		options.Find().SetProjection(bson.D{{Key: outbox.Field, Value: 0}}))
	if err != nil {
		return nil, err
	}
	return r, nil
}

type allocDoc struct {
	Quantity int64  `bson:"quantity"`
	Status   string `bson:"status"`
	Shipped  int64  `bson:"shipped"`
	Version  int64  `bson:"version"`
	Over     int64  `bson:"over,omitempty"`
}

type capacityDoc struct {
	ID             string `bson:"_id"`
	ManufacturerID string `bson:"manufacturer_id"`
	Item           string `bson:"item"`
	Region         string `bson:"region"`
	AvailableNow   int64  `bson:"available_now"`
	DailyRate      int64  `bson:"daily_rate"`
	LeadTimeDays   int    `bson:"lead_time_days"`
	Standard       string `bson:"standard"`
	// UnitPriceFen is null when no price was given; a report without one
	// clears the previous report's.
	UnitPriceFen *int64              `bson:"unit_price_fen"`
	Revision     int64               `bson:"revision"`
	ReportedAt   time.Time           `bson:"reported_at"`
	UpdatedAt    time.Time           `bson:"updated_at"`
	Allocations  map[string]allocDoc `bson:"allocations"`
	Days         []dayDoc            `bson:"days,omitempty"`
	ReportKeys   []string            `bson:"report_keys,omitempty"`
}

type dayDoc struct {
	Date         string `bson:"date"`
	AvailableNow int64  `bson:"available_now"`
	DailyRate    int64  `bson:"daily_rate"`
	Reserved     int64  `bson:"reserved"`
	Reported     bool   `bson:"reported,omitempty"`
}

func toDoc(c domain.Capacity) capacityDoc {
	d := capacityDoc{ID: c.ID, ManufacturerID: c.ManufacturerID, Item: c.Item, Region: c.Region, AvailableNow: c.AvailableNow,
		DailyRate: c.DailyRate, LeadTimeDays: c.LeadTimeDays, Standard: c.Standard, UnitPriceFen: c.UnitPriceFen,
		Revision: c.Revision, ReportedAt: c.ReportedAt, UpdatedAt: c.UpdatedAt, Allocations: map[string]allocDoc{}, ReportKeys: c.ReportKeys}
	for id, a := range c.Allocations {
		d.Allocations[id] = allocDoc(a)
	}
	for _, f := range c.Days {
		d.Days = append(d.Days, dayDoc(f))
	}
	return d
}

func (d capacityDoc) capacity() domain.Capacity {
	c := domain.Capacity{ID: d.ID, ManufacturerID: d.ManufacturerID, Item: d.Item, Region: d.Region, AvailableNow: d.AvailableNow,
		DailyRate: d.DailyRate, LeadTimeDays: d.LeadTimeDays, Standard: d.Standard, UnitPriceFen: d.UnitPriceFen,
		Revision: d.Revision, ReportedAt: d.ReportedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC(), Allocations: map[string]domain.Allocation{}, ReportKeys: d.ReportKeys}
	for id, a := range d.Allocations {
		c.Allocations[id] = domain.Allocation(a)
	}
	for _, f := range d.Days {
		c.Days = append(c.Days, domain.DayFigure(f))
	}
	return c
}

func (r *Capacities) Get(ctx context.Context, id string) (domain.Capacity, error) {
	d, err := mongox.FindByID[capacityDoc](ctx, r.coll, id, domain.ErrCapacityNotFound, options.FindOne().SetProjection(bson.D{{Key: outbox.Field, Value: 0}}))
	if err != nil {
		return domain.Capacity{}, err
	}
	return d.capacity(), nil
}

var errRaced = apperr.New(apperr.Conflict, "this report was changed at the same moment by another request; send it again")

func (r *Capacities) Upsert(ctx context.Context, id string, change func(*domain.Capacity, bool) ([]events.Envelope, error)) (domain.Capacity, error) {
	unlock := r.locks.Lock(id)
	defer unlock()
	cur, err := r.Get(ctx, id)
	isNew := errors.Is(err, domain.ErrCapacityNotFound)
	if err != nil && !isNew {
		return domain.Capacity{}, err
	}
	if isNew {
		cur = domain.Capacity{ID: id}
	}
	c := cur.Clone()
	evs, err := change(&c, isNew)
	if errors.Is(err, domain.ErrNoChange) {
		if isNew {
			return domain.Capacity{}, domain.ErrCapacityNotFound
		}
		return cur, nil
	}
	if err != nil {
		return domain.Capacity{}, err
	}
	c.ID = id
	if isNew {
		err = r.relay.Insert(ctx, r.coll, toDoc(c), evs...)
		if mongox.IsDuplicate(err) {
			return domain.Capacity{}, errRaced // another process inserted it first
		}
	} else {
		var set bson.D
		if set, err = mongox.SetOf(toDoc(c)); err == nil {
			err = r.relay.Update(ctx, r.coll, id, bson.D{{Key: "$set", Value: set}}, evs...)
		}
	}
	if err != nil {
		return domain.Capacity{}, err
	}
	r.mu.Lock()
	r.index[id] = c.Compact()
	r.mu.Unlock()
	return c, nil
}

// List reads the in-memory index: reports number in the thousands at
// most (manufacturers × items).
func (r *Capacities) List(_ context.Context, f domain.Filter, after string, limit int) ([]domain.Capacity, error) {
	r.mu.RLock()
	var page []domain.Capacity
	for id, c := range r.index {
		if id > after && f.Match(c) {
			page = append(page, c)
		}
	}
	r.mu.RUnlock()
	slices.SortFunc(page, func(a, b domain.Capacity) int {
		switch {
		case a.ID < b.ID:
			return -1
		case a.ID > b.ID:
			return 1
		}
		return 0
	})
	out := make([]domain.Capacity, 0, min(limit, len(page)))
	for _, c := range page[:min(limit, len(page))] {
		out = append(out, c.Clone())
	}
	return out, nil
}
