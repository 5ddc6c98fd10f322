package adapters_test

import (
	"context"
	"testing"

	"github.com/aidflow/aidflow/services/registry/adapters/adapterstest"
	"github.com/aidflow/aidflow/services/registry/adapters/memory"
	regmongo "github.com/aidflow/aidflow/services/registry/adapters/mongo"
	"github.com/aidflow/aidflow/services/registry/domain"
	"github.com/aidflow/aidflow/shared/bus"
	"github.com/aidflow/aidflow/shared/outbox"
	"github.com/aidflow/aidflow/shared/testkit"
)

func TestMemoryRepository(t *testing.T) {
	adapterstest.RunRepositorySuite(t, func(*testing.T) domain.Repository { return memory.NewOrgs() })
}

func TestMongoRepository(t *testing.T) {
	uri := testkit.SharedMongo(t)
	b, err := bus.Connect(context.Background(), bus.Options{URL: testkit.NATS(t).URL(), Name: "registry-test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	if err := b.EnsureStreams(context.Background(), "registry"); err != nil {
		t.Fatal(err)
	}
	client := testkit.MongoClient(t, uri)
	adapterstest.RunRepositorySuite(t, func(t *testing.T) domain.Repository {
		return regmongo.NewOrgs(client.Database(testkit.DBName(t)), outbox.NewRelay(b, nil))
	})
}
