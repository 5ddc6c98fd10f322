package adapters_test

import (
	"testing"

	"github.com/aidflow/aidflow/services/disclosure/adapters/adapterstest"
	"github.com/aidflow/aidflow/services/disclosure/adapters/memory"
	"github.com/aidflow/aidflow/services/disclosure/adapters/mongo"
	"github.com/aidflow/aidflow/services/disclosure/domain"
	"github.com/aidflow/aidflow/shared/mongox"
	"github.com/aidflow/aidflow/shared/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

func TestMemory(t *testing.T) {
	adapterstest.RunSuite(t, func(*testing.T) domain.Store { return memory.New() })
}

func TestMongo(t *testing.T) {
	client := testkit.MongoClient(t, testkit.SharedMongo(t))
	adapterstest.RunSuite(t, func(t *testing.T) domain.Store {
		db := client.Database(testkit.DBName(t))
		if err := mongox.EnsureCollections(t.Context(), db, mongo.Collections...); err != nil {
			t.Fatal(err)
		}
		return mongo.New(db)
	})
}
