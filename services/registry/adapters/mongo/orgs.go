// Package mongo stores the registry's organizations in MongoDB, one document
// per organization with its token records and its outbox.
package mongo

import (
	"context"
	"slices"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/registry/domain"
	"github.com/aidflow/aidflow/shared/keymutex"
	"github.com/aidflow/aidflow/shared/mongox"
	"github.com/aidflow/aidflow/shared/outbox"
)

// Collection is the organizations' collection name.
const Collection = "orgs"

// Orgs is the MongoDB domain.Repository.
type Orgs struct {
	coll  *mongo.Collection
	relay *outbox.Relay
	locks keymutex.Map

	// ids is every organization id in order, loaded once by Load, so a
	// list reads its page by _id instead of scanning the collection (the
	// embedded store has no other index).
	mu  sync.RWMutex
	ids []string
}

// NewOrgs stores organizations in db and relays their events through relay.
func NewOrgs(db *mongo.Database, relay *outbox.Relay) *Orgs {
	c := db.Collection(Collection)
	relay.Watch(c)
	return &Orgs{coll: c, relay: relay}
}

type tokenDoc struct {
	ID         string     `bson:"id"`
	CreatedAt  time.Time  `bson:"created_at"`
	RevokedAt  *time.Time `bson:"revoked_at,omitempty"`
	RevokedKey string     `bson:"revoked_key,omitempty"`
}

type orgDoc struct {
	ID           string     `bson:"_id"`
	Name         string     `bson:"name"`
	Role         string     `bson:"role"`
	Region       string     `bson:"region"`
	FacilityType string     `bson:"facility_type,omitempty"`
	CreatedAt    time.Time  `bson:"created_at"`
	Tokens       []tokenDoc `bson:"tokens"`
}

func toDoc(o domain.Org) orgDoc {
	d := orgDoc{ID: o.ID, Name: o.Name, Role: o.Role, Region: o.Region, FacilityType: o.FacilityType, CreatedAt: o.CreatedAt, Tokens: []tokenDoc{}}
	for _, t := range o.Tokens {
		d.Tokens = append(d.Tokens, tokenDoc(t))
	}
	return d
}

func (d orgDoc) org() domain.Org {
	o := domain.Org{ID: d.ID, Name: d.Name, Role: d.Role, Region: d.Region, FacilityType: d.FacilityType, CreatedAt: d.CreatedAt.UTC()}
	for _, t := range d.Tokens {
		o.Tokens = append(o.Tokens, domain.Token(t))
	}
	return o
}

// Load reads the organization ids once, at start.
func (r *Orgs) Load(ctx context.Context) error {
	cur, err := r.coll.Find(ctx, bson.D{}, options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return err
	}
	var docs []struct {
		ID string `bson:"_id"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		return err
	}
	ids := make([]string, 0, len(docs))
	for _, d := range docs {
		ids = append(ids, d.ID)
	}
	slices.Sort(ids)
	r.mu.Lock()
	r.ids = ids
	r.mu.Unlock()
	return nil
}

func (r *Orgs) Create(ctx context.Context, o domain.Org, evs ...events.Envelope) error {
	err := r.relay.Insert(ctx, r.coll, toDoc(o), evs...)
	if mongox.IsDuplicate(err) {
		return domain.ErrOrgExists
	}
	if err != nil {
		return err
	}
	r.mu.Lock()
	i, _ := slices.BinarySearch(r.ids, o.ID)
	r.ids = slices.Insert(r.ids, i, o.ID)
	r.mu.Unlock()
	return nil
}

func (r *Orgs) Get(ctx context.Context, id string) (domain.Org, error) {
	d, err := mongox.FindByID[orgDoc](ctx, r.coll, id, domain.ErrOrgNotFound)
	if err != nil {
		return domain.Org{}, err
	}
	return d.org(), nil
}

func (r *Orgs) Update(ctx context.Context, id string, change func(*domain.Org) ([]events.Envelope, error)) (domain.Org, error) {
	unlock := r.locks.Lock(id)
	defer unlock()
	o, err := r.Get(ctx, id)
	if err != nil {
		return domain.Org{}, err
	}
	evs, err := change(&o)
	if err != nil {
		return domain.Org{}, err
	}
	d := toDoc(o)
	set := bson.D{{Key: "$set", Value: bson.D{{Key: "name", Value: d.Name}, {Key: "facility_type", Value: d.FacilityType}, {Key: "tokens", Value: d.Tokens}}}}
	if err := r.relay.Update(ctx, r.coll, id, set, evs...); err != nil {
		return domain.Org{}, err
	}
	return o, nil
}

// List reads the page's organizations by _id, in id order.
func (r *Orgs) List(ctx context.Context, after string, limit int) ([]domain.Org, error) {
	r.mu.RLock()
	i, found := slices.BinarySearch(r.ids, after)
	if found {
		i++
	}
	page := slices.Clone(r.ids[i:min(i+limit, len(r.ids))])
	r.mu.RUnlock()
	out := make([]domain.Org, 0, len(page))
	for _, id := range page {
		o, err := r.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, nil
}
