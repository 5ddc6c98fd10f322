package adapters_test

import (
	"context"
	"testing"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/donation/adapters/adapterstest"
	"github.com/aidflow/aidflow/services/donation/adapters/memory"
	donationmongo "github.com/aidflow/aidflow/services/donation/adapters/mongo"
	"github.com/aidflow/aidflow/services/donation/domain"
	"github.com/aidflow/aidflow/shared/outbox"
	"github.com/aidflow/aidflow/shared/testkit"
)

func TestMemoryRepositories(t *testing.T) {
	adapterstest.RunRepositorySuite(t, func(*testing.T) adapterstest.Subject {
		r := memory.NewDonations()
		return adapterstest.Subject{Donations: r, Orgs: memory.NewOrgs(), Events: func(_ *testing.T, id string) []events.Envelope {
			var out []events.Envelope
			for _, e := range r.Events() {
				if e.Subject == id {
					out = append(out, e)
				}
			}
			return out
		}, Reopen: func(*testing.T) domain.Repository { return r }}
	})
}

func TestMongoRepositories(t *testing.T) {
	ctx := context.Background()
	uri := testkit.SharedMongo(t)
	b := testkit.Bus(t, testkit.NATS(t).URL())
	client := testkit.MongoClient(t, uri)
	adapterstest.RunRepositorySuite(t, func(t *testing.T) adapterstest.Subject {
		db := client.Database(testkit.DBName(t))
		// The relay never runs here, so events stay in the outbox.
		open := func(t *testing.T) domain.Repository {
			r, err := donationmongo.NewDonations(ctx, db, outbox.NewRelay(b, nil))
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
		return adapterstest.Subject{
			Donations: open(t),
			Reopen:    open,
			Orgs:      donationmongo.NewOrgs(db),
			Events: func(t *testing.T, id string) []events.Envelope {
				return outboxOf(t, db.Collection(donationmongo.DonationsCollection), id)
			},
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
