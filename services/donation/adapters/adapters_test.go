package adapters_test

import (
	"context"
	"encoding/json"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/donation/adapters/adapterstest"
	"github.com/aidflow/aidflow/services/donation/adapters/memory"
	donationmongo "github.com/aidflow/aidflow/services/donation/adapters/mongo"
	"github.com/aidflow/aidflow/services/donation/domain"
	"github.com/aidflow/aidflow/shared/bus"
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
	b, err := bus.Connect(ctx, bus.Options{URL: testkit.NATS(t).URL(), Name: "donation-test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
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
	var d struct {
		Outbox []outbox.Entry `bson:"outbox"`
	}
	if err := c.FindOne(context.Background(), bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
		t.Fatal(err)
	}
	var out []events.Envelope
	for _, e := range d.Outbox {
		var env events.Envelope
		if err := json.Unmarshal([]byte(e.Payload), &env); err != nil {
			t.Fatal(err)
		}
		out = append(out, env)
	}
	return out
}
