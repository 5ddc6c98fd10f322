package adapters_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/aidflow/aidflow/services/notify/adapters/adapterstest"
	"github.com/aidflow/aidflow/services/notify/adapters/memory"
	notifymongo "github.com/aidflow/aidflow/services/notify/adapters/mongo"
	"github.com/aidflow/aidflow/services/notify/domain"
	"github.com/aidflow/aidflow/shared/testkit"
)

func TestMemoryRepository(t *testing.T) {
	adapterstest.RunRepositorySuite(t, func(*testing.T) adapterstest.Subject {
		r := memory.New()
		return adapterstest.Subject{Repo: r, Reopen: func(*testing.T) domain.Repository { return r }}
	})
}

func TestMongoRepository(t *testing.T) {
	client := testkit.MongoClient(t, testkit.SharedMongo(t))
	adapterstest.RunRepositorySuite(t, func(t *testing.T) adapterstest.Subject {
		db := client.Database(testkit.DBName(t))
		open := func(t *testing.T) domain.Repository {
			r, err := notifymongo.New(context.Background(), db)
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
		return adapterstest.Subject{Repo: open(t), Reopen: open}
	})
}

// A queue an earlier version kept as a list of ids in the subscription's
// document becomes positions at the first start, in the same order.
func TestMongoRepositoryMigratesAQueueKeptAsAList(t *testing.T) {
	ctx := context.Background()
	client := testkit.MongoClient(t, testkit.SharedMongo(t))
	db := client.Database(testkit.DBName(t))
	r, s := withSubscription(t, db, domain.NeedStale, domain.StatusActive)
	var ids []string
	for i := range 3 {
		d := domain.NewDelivery(s, domain.Notification{ID: fmt.Sprintf("ntf_%d", i), Type: domain.NeedStale, Subject: fmt.Sprint(i), OrgID: "h1"}, s.CreatedAt)
		if _, err := r.AddDelivery(ctx, d); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, d.ID)
	}
	if _, err := db.Collection(notifymongo.Subscriptions).UpdateOne(ctx, bson.D{{Key: "_id", Value: s.ID}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "pending", Value: append(ids[:1:1], "gone", ids[1], ids[2])}}}}); err != nil {
		t.Fatal(err)
	}
	for range 2 { // the second start finds nothing left to move
		r, err := notifymongo.New(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		got, err := r.Subscription(ctx, s.ID)
		if err != nil || got.Queued != 3 || got.Finished != 0 {
			t.Fatalf("migrated %+v %v", got, err)
		}
		for i, id := range ids {
			pos := int64(i + 1)
			if at, err := r.QueuedAt(ctx, s.ID, pos); err != nil || at != id {
				t.Fatalf("position %d: %q %v, want %q", pos, at, err, id)
			}
			if d, err := r.Delivery(ctx, id); err != nil || d.Position != pos {
				t.Fatalf("delivery %s at %d: %v", id, d.Position, err)
			}
		}
	}
	if n, err := db.Collection(notifymongo.Subscriptions).CountDocuments(ctx, bson.D{{Key: "_id", Value: s.ID}, {Key: "pending", Value: bson.D{{Key: "$exists", Value: true}}}}); err != nil || n != 0 {
		t.Fatalf("the list is still stored: %d %v", n, err)
	}
}

// withSubscription opens a Mongo repository on db holding one hospital
// subscription (h1) to the event type, with the status.
func withSubscription(tb testing.TB, db *mongo.Database, event, status string) (*notifymongo.Repository, domain.Subscription) {
	tb.Helper()
	ctx := context.Background()
	r, err := notifymongo.New(ctx, db)
	if err != nil {
		tb.Fatal(err)
	}
	now := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	s := domain.Subscription{ID: "whk_1", OrgID: "h1", Role: "hospital", URL: "https://h.example/", Events: []string{event},
		Secret: "whsec_x", Status: status, CreatedAt: now, UpdatedAt: now}
	if err := r.CreateSubscription(ctx, s); err != nil {
		tb.Fatal(err)
	}
	return r, s
}
