package adapters_test

import (
	"context"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/demand/adapters/adapterstest"
	"github.com/aidflow/aidflow/services/demand/adapters/memory"
	demandmongo "github.com/aidflow/aidflow/services/demand/adapters/mongo"
	"github.com/aidflow/aidflow/services/demand/domain"
	"github.com/aidflow/aidflow/shared/outbox"
	"github.com/aidflow/aidflow/shared/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

func TestMemoryRepository(t *testing.T) {
	adapterstest.RunRepositorySuite(t, func(*testing.T) domain.Repository { return memory.NewNeeds() })
}

func TestMemoryStockRepository(t *testing.T) {
	adapterstest.RunStockSuite(t, func(*testing.T) domain.StockRepository { return memory.NewStockReports() })
}

func TestMongoStockRepository(t *testing.T) {
	client := testkit.MongoClient(t, testkit.SharedMongo(t))
	relay := newRelay(t)
	adapterstest.RunStockSuite(t, func(t *testing.T) domain.StockRepository {
		return demandmongo.NewStockReports(client.Database(testkit.DBName(t)), relay)
	})
}

func newRelay(t *testing.T) *outbox.Relay {
	t.Helper()
	b := testkit.Bus(t, testkit.NATS(t).URL())
	return outbox.NewRelay(b, nil)
}

func TestMongoRepository(t *testing.T) {
	client := testkit.MongoClient(t, testkit.SharedMongo(t))
	relay := newRelay(t)
	adapterstest.RunRepositorySuite(t, func(t *testing.T) domain.Repository {
		return demandmongo.NewNeeds(client.Database(testkit.DBName(t)), relay)
	})
}

// TestMongoWritesEventsWithTheState checks the outbox half of each write:
// the events sit in the need's own document, written with it, until the
// relay publishes them.
func TestMongoWritesEventsWithTheState(t *testing.T) {
	ctx := context.Background()
	db := testkit.MongoClient(t, testkit.SharedMongo(t)).Database(testkit.DBName(t))
	repo := demandmongo.NewNeeds(db, newRelay(t)) // relay not running: nothing is published
	now := time.Now().UTC().Truncate(time.Millisecond)
	n, err := domain.NewNeed(domain.NewNeedInput{Item: "goggles", Quantity: "10", Urgency: "normal", NeededBy: domain.Today(now)},
		domain.Poster{HospitalID: "org_hos", Region: "420100"}, now)
	if err != nil {
		t.Fatal(err)
	}
	meta := events.Meta{Subject: n.ID, OrgID: n.HospitalID, Item: n.Item}
	posted := events.MustNew("demand", events.NeedPosted{NeedID: n.ID}, meta)
	if err := repo.Create(ctx, n, posted); err != nil {
		t.Fatal(err)
	}
	cancelled := events.MustNew("demand", events.NeedCancelled{NeedID: n.ID}, meta)
	if _, err := repo.Update(ctx, n.ID, func(n *domain.Need) ([]events.Envelope, error) {
		return []events.Envelope{cancelled}, n.Cancel(now)
	}); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Status string         `bson:"status"`
		Outbox []outbox.Entry `bson:"outbox"`
	}
	if err := db.Collection(demandmongo.Collection).FindOne(ctx, bson.D{{Key: "_id", Value: n.ID}}).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if doc.Status != domain.StatusCancelled || len(doc.Outbox) != 2 || doc.Outbox[0].ID != posted.ID || doc.Outbox[1].ID != cancelled.ID {
		t.Errorf("document = %+v", doc)
	}
	if doc.Outbox[1].Subject != events.NeedCancelledType+".goggles" {
		t.Errorf("subject = %s", doc.Outbox[1].Subject)
	}
}
