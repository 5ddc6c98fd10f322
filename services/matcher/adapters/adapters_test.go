package adapters_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

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
	return mongo.New(db, outbox.NewRelay(&published{}, nil), domain.Partition{}), db
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

// published returns the ids the relay published so far.
func (p *published) published() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.ids)
}

// TestMongoPartitionsRelayOnlyTheirOwnAllocations: two partitions share the
// allocations collection; after a crash left an allocation of each with its
// events pending, each partition's relay publishes (and removes) only its
// own, never racing the other partition's writes to the other document.
func TestMongoPartitionsRelayOnlyTheirOwnAllocations(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db := testkit.MongoClient(t, testkit.SharedMongo(t)).Database(testkit.DBName(t))
	// The crashed writers: their relays never ran.
	writer := mongo.New(db, outbox.NewRelay(&published{}, nil), domain.Partition{})
	pending := map[string][]string{} // item -> event ids
	for i, item := range []string{"n95-respirator", "ventilator"} {
		need, offer := adapterstest.Need(), adapterstest.Capacity()
		need.Item, offer.Item = item, item
		a, evs := domain.NewAllocation(domain.NewAllocationInput{ID: fmt.Sprintf("alloc_p%d", i), Need: need, Offer: offer, Quantity: 10,
			DecidedBy: "test", Reason: "pending after a crash", RunID: "evt_run"}, time.Now())
		if err := writer.InsertAllocation(ctx, a, evs...); err != nil {
			t.Fatal(err)
		}
		for _, e := range evs {
			pending[item] = append(pending[item], e.ID)
		}
	}

	parts := []domain.Partition{{Name: "masks", Items: []string{"n95-respirator"}}, {Name: "vents", Items: []string{"ventilator"}}}
	pubs := make([]*published, len(parts))
	for i, part := range parts {
		pubs[i] = &published{}
		relay := outbox.NewRelay(pubs[i], nil)
		mongo.New(db, relay, part)
		if n, err := relay.Sweep(ctx); err != nil || n != 1 {
			t.Fatalf("partition %s swept %d allocations (%v), want its own 1", part.Name, n, err)
		}
		go func() { _ = relay.Run(ctx) }()
	}
	for i, part := range parts {
		want := pending[part.Items[0]]
		testkit.Eventually(t, 10*time.Second, func() bool { return slices.Equal(pubs[i].published(), want) },
			"partition %s publishes its allocation's events %v", part.Name, want)
	}
	for _, id := range []string{"alloc_p0", "alloc_p1"} {
		testkit.Eventually(t, 10*time.Second, func() bool {
			evs, err := outbox.Pending(ctx, db.Collection(mongo.Allocations), id)
			return err == nil && len(evs) == 0
		}, "the outbox of %s is emptied by its partition", id)
	}
	for i, part := range parts {
		if got := pubs[i].published(); !slices.Equal(got, pending[part.Items[0]]) {
			t.Fatalf("partition %s published %v, want only its own %v", part.Name, got, pending[part.Items[0]])
		}
	}
}
