package adapters_test

import (
	"context"
	"testing"

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
