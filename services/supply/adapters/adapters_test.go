package adapters_test

import (
	"context"
	"testing"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/supply/adapters/adapterstest"
	"github.com/aidflow/aidflow/services/supply/adapters/memory"
	supplymongo "github.com/aidflow/aidflow/services/supply/adapters/mongo"
	"github.com/aidflow/aidflow/services/supply/domain"
	"github.com/aidflow/aidflow/shared/outbox"
	"github.com/aidflow/aidflow/shared/testkit"
)

func TestMemoryRepository(t *testing.T) {
	adapterstest.RunRepositorySuite(t, func(*testing.T) adapterstest.Subject {
		r := memory.NewCapacities()
		return adapterstest.Subject{
			Repo: r,
			Events: func(_ *testing.T, id string) []events.Envelope {
				var out []events.Envelope
				for _, e := range r.Events() {
					if e.Subject == id {
						out = append(out, e)
					}
				}
				return out
			},
			Reopen: func(*testing.T) domain.Repository { return r },
		}
	})
}

func TestMongoRepository(t *testing.T) {
	ctx := context.Background()
	uri := testkit.SharedMongo(t)
	b := testkit.Bus(t, testkit.NATS(t).URL())
	client := testkit.MongoClient(t, uri)
	adapterstest.RunRepositorySuite(t, func(t *testing.T) adapterstest.Subject {
		db := client.Database(testkit.DBName(t))
		open := func(t *testing.T) *supplymongo.Capacities {
			// The relay never runs here, so events stay in the outbox for
			// the suite to read.
			r, err := supplymongo.NewCapacities(ctx, db, outbox.NewRelay(b, nil))
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
		return adapterstest.Subject{
			Repo: open(t),
			Events: func(t *testing.T, id string) []events.Envelope {
				return outboxOf(t, db.Collection(supplymongo.Collection), id)
			},
			Reopen: func(t *testing.T) domain.Repository { return open(t) },
		}
	})
}

func outboxOf(t *testing.T, c *mongo.Collection, id string) []events.Envelope {
	t.Helper()
	evs, err := outbox.Pending(context.Background(), c, id)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}
