package adapters_test

import (
	"testing"

	"github.com/aidflow/aidflow/services/audit/adapters/adapterstest"
	"github.com/aidflow/aidflow/services/audit/adapters/memory"
	"github.com/aidflow/aidflow/services/audit/adapters/mongo"
	"github.com/aidflow/aidflow/services/audit/domain"
	"github.com/aidflow/aidflow/shared/mongox"
	"github.com/aidflow/aidflow/shared/outbox"
	"github.com/aidflow/aidflow/shared/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

func TestMemory(t *testing.T) {
	adapterstest.RunSuite(t, func(*testing.T) (domain.LogStore, domain.CheckpointStore) {
		return memory.NewLog(), memory.NewCheckpoints()
	})
}

func TestMongo(t *testing.T) {
	uri := testkit.SharedMongo(t)
	client := testkit.MongoClient(t, uri)
	adapterstest.RunSuite(t, func(t *testing.T) (domain.LogStore, domain.CheckpointStore) {
		db := client.Database(testkit.DBName(t))
		if err := mongox.EnsureCollections(t.Context(), db, mongo.Collections...); err != nil {
			t.Fatal(err)
		}
		// The relay is not run: the suite checks what is stored, not relayed.
		return mongo.NewLog(db), mongo.NewCheckpoints(db, outbox.NewRelay(nil, nil))
	})
}

func TestMemoryAnomalies(t *testing.T) {
	adapterstest.RunAnomalySuite(t, func(*testing.T) domain.AnomalyStore { return memory.NewAnomalies() })
}

func TestMongoAnomalies(t *testing.T) {
	client := testkit.MongoClient(t, testkit.SharedMongo(t))
	adapterstest.RunAnomalySuite(t, func(t *testing.T) domain.AnomalyStore {
		db := client.Database(testkit.DBName(t))
		if err := mongox.EnsureCollections(t.Context(), db, mongo.Collections...); err != nil {
			t.Fatal(err)
		}
		return mongo.NewAnomalies(db, outbox.NewRelay(nil, nil))
	})
}
