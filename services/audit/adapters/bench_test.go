package adapters_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"testing"
	"time"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/audit/adapters/mongo"
	"github.com/aidflow/aidflow/services/audit/app"
	"github.com/aidflow/aidflow/services/audit/domain"
	"github.com/aidflow/aidflow/shared/mongox"
	"github.com/aidflow/aidflow/shared/outbox"
	"github.com/aidflow/aidflow/shared/testkit"
)

// mongoApp is the audit log over the embedded FerretDB, as the service
// runs it (the relay is not run).
func mongoApp(b *testing.B) *app.App {
	b.Helper()
	client := testkit.MongoClient(b, testkit.SharedMongo(b))
	db := client.Database(testkit.DBName(b))
	if err := mongox.EnsureCollections(b.Context(), db, mongo.Collections...); err != nil {
		b.Fatal(err)
	}
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	s, err := domain.NewSigner(domain.Origin, priv)
	if err != nil {
		b.Fatal(err)
	}
	relay := outbox.NewRelay(nil, nil)
	a := app.New(mongo.NewLog(db), mongo.NewCheckpoints(db, relay), s)
	a.Anomalies = mongo.NewAnomalies(db, relay)
	if err := a.Load(b.Context()); err != nil {
		b.Fatal(err)
	}
	return a
}

func benchEvent(i int) events.Envelope {
	id := fmt.Sprintf("need_%07d", i)
	return events.MustNew("demand", events.NeedPosted{NeedID: id, HospitalID: "org_h1", Item: "n95-respirator", Quantity: int64(1 + i%1000),
		Urgency: "high", NeededBy: "2026-03-08", AcceptedStandards: []string{"GB 19083"}, Region: "420100"},
		events.Meta{Subject: id, OrgID: "org_h1", Item: "n95-respirator", Time: time.Date(2026, 3, 1, 8, 0, i, 0, time.UTC)})
}

// BenchmarkMongoAppend is one append to the embedded FerretDB: the
// event-id lookup, about log₂ n hash reads, the hash, record and event-id
// writes.
func BenchmarkMongoAppend(b *testing.B) {
	a := mongoApp(b)
	ctx := context.Background()
	evs := make([]events.Envelope, b.N)
	for i := range evs {
		evs[i] = benchEvent(i)
	}
	b.ResetTimer()
	for i := range b.N {
		if _, _, err := a.Append(ctx, evs[i]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMongoProveInclusion proves records of a 2,000-record log in
// the embedded FerretDB (hash reads by _id, one round trip each).
func BenchmarkMongoProveInclusion(b *testing.B) {
	a := mongoApp(b)
	ctx := context.Background()
	const n = 2000
	ids := make([]string, n)
	for i := range n {
		e := benchEvent(i)
		ids[i] = e.ID
		if _, _, err := a.Append(ctx, e); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := a.SignCheckpoint(ctx); err != nil {
		b.Fatal(err)
	}
	i := 0
	for b.Loop() {
		if _, err := a.ProveInclusionOf(ctx, ids[(i*7919)%n], n); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
