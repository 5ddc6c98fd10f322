package adapters_test

import (
	"context"
	"testing"
	"time"

	"github.com/aidflow/aidflow/services/registry/adapters/adapterstest"
	"github.com/aidflow/aidflow/services/registry/adapters/memory"
	regmongo "github.com/aidflow/aidflow/services/registry/adapters/mongo"
	"github.com/aidflow/aidflow/services/registry/domain"
	"github.com/aidflow/aidflow/shared/outbox"
	"github.com/aidflow/aidflow/shared/testkit"
)

func TestMemoryRepository(t *testing.T) {
	adapterstest.RunRepositorySuite(t, func(*testing.T) domain.Repository { return memory.NewOrgs() })
}

func TestMongoRepository(t *testing.T) {
	uri := testkit.SharedMongo(t)
	b := testkit.Bus(t, testkit.NATS(t).URL())
	client := testkit.MongoClient(t, uri)
	adapterstest.RunRepositorySuite(t, func(t *testing.T) domain.Repository {
		r := regmongo.NewOrgs(client.Database(testkit.DBName(t)), outbox.NewRelay(b, nil))
		if err := r.Load(context.Background()); err != nil {
			t.Fatal(err)
		}
		return r
	})
}

// A restarted registry lists the organizations created before it started.
func TestMongoListAfterReload(t *testing.T) {
	ctx := context.Background()
	b := testkit.Bus(t, testkit.NATS(t).URL())
	db := testkit.MongoClient(t, testkit.SharedMongo(t)).Database(testkit.DBName(t))
	first := regmongo.NewOrgs(db, outbox.NewRelay(b, nil))
	for _, name := range []string{"A", "B"} {
		o, err := domain.NewOrg(domain.NewOrgInput{Name: name, Role: "donor", Region: "420100"}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if err := first.Create(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	again := regmongo.NewOrgs(db, outbox.NewRelay(b, nil))
	if err := again.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if got, err := again.List(ctx, "", 10); err != nil || len(got) != 2 {
		t.Fatalf("after reload: %v, %v", got, err)
	}
}
