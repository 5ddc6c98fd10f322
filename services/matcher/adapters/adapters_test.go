package adapters_test

import (
	"context"
	"sync"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	mgo "go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/aidflow/aidflow/services/matcher/adapters/adapterstest"
	"github.com/aidflow/aidflow/services/matcher/adapters/memory"
	"github.com/aidflow/aidflow/services/matcher/adapters/mongo"
	"github.com/aidflow/aidflow/services/matcher/domain"
	"github.com/aidflow/aidflow/shared/outbox"
	"github.com/aidflow/aidflow/shared/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

func TestMemoryRepository(t *testing.T) {
	adapterstest.RunRepositorySuite(t, func(*testing.T) domain.Repository { return memory.New() })
}

// published records what a relay would send, so the Mongo tests need no NATS.
type published struct {
	mu  sync.Mutex
	ids []string
}

func (p *published) PublishRaw(_ context.Context, _, id string, _ []byte) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ids = append(p.ids, id)
	return nil
}

func newMongo(t *testing.T) (*mongo.Repository, *mgo.Database) {
	t.Helper()
	db := testkit.MongoClient(t, testkit.SharedMongo(t)).Database(testkit.DBName(t))
	return mongo.New(db, outbox.NewRelay(&published{}, nil)), db
}

func TestMongoRepository(t *testing.T) {
	adapterstest.RunRepositorySuite(t, func(t *testing.T) domain.Repository {
		r, _ := newMongo(t)
		return r
	})
}

// TestMongoAllocationCarriesItsEvents: the allocation and the events that
// announce it are one document write (the outbox), never two.
func TestMongoAllocationCarriesItsEvents(t *testing.T) {
	ctx := context.Background()
	r, db := newMongo(t)
	a, evs := adapterstest.Allocation("alloc_o")
	if err := r.InsertAllocation(ctx, a, evs...); err != nil {
		t.Fatal(err)
	}
	var d struct {
		Outbox []outbox.Entry `bson:"outbox"`
	}
	if err := db.Collection(mongo.Allocations).FindOne(ctx, bson.D{{Key: "_id", Value: a.ID}}).Decode(&d); err != nil {
		t.Fatal(err)
	}
	if len(d.Outbox) != len(evs) || d.Outbox[0].ID != evs[0].ID || d.Outbox[0].Subject != evs[0].NATSSubject() {
		t.Fatalf("outbox %+v, want the events %v", d.Outbox, evs)
	}
	if _, err := a.Accept(a.UpdatedAt); err != nil {
		t.Fatal(err)
	}
	ev := a.Event("aidflow.matcher.allocation_accepted.v1")
	if err := r.UpdateAllocation(ctx, a, ev); err != nil {
		t.Fatal(err)
	}
	if err := db.Collection(mongo.Allocations).FindOne(ctx, bson.D{{Key: "_id", Value: a.ID}}).Decode(&d); err != nil {
		t.Fatal(err)
	}
	if len(d.Outbox) != 2 || d.Outbox[1].ID != ev.ID {
		t.Fatalf("after the update the outbox holds %+v", d.Outbox)
	}
}
