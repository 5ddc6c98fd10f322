package embedstore

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// BenchmarkIDAccess measures FindOne and UpdateOne by _id as the collection
// grows, with and without the mirror index (README.md has the figures).
// Without the index every lookup scans the table, so that side stops at
// 10,000 documents. -short skips 100,000.
//
//	go test -run '^$' -bench BenchmarkIDAccess -benchtime=2000x ./embedstore/
func BenchmarkIDAccess(b *testing.B) {
	for _, mode := range []struct {
		name     string
		noMirror bool
		sizes    []int
	}{
		{name: "mirror", sizes: []int{1_000, 10_000, 100_000}},
		{name: "no_mirror", noMirror: true, sizes: []int{1_000, 10_000}},
	} {
		b.Run(mode.name, func(b *testing.B) {
			ctx := b.Context()
			srv, err := Start(ctx, Config{Dir: b.TempDir(), NoMirrorIndex: mode.noMirror})
			if err != nil {
				b.Fatalf("Start: %v", err)
			}
			defer func() { _ = srv.Close() }()
			client, err := mongo.Connect(options.Client().ApplyURI(srv.URI()))
			if err != nil {
				b.Fatalf("Connect: %v", err)
			}
			defer func() { _ = client.Disconnect(context.Background()) }()

			for _, n := range mode.sizes {
				b.Run(fmt.Sprintf("docs=%d", n), func(b *testing.B) {
					if testing.Short() && n > 10_000 {
						b.Skip("-short")
					}
					coll := client.Database("bench").Collection(fmt.Sprintf("docs_%d", n))
					seed(ctx, b, coll, n)
					if err := srv.EnsureIndexes(ctx); err != nil {
						b.Fatalf("EnsureIndexes: %v", err)
					}

					b.Run("FindOne", func(b *testing.B) {
						rng := rand.New(rand.NewPCG(1, uint64(n)))
						for b.Loop() {
							var doc bson.Raw
							err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: docID(rng.IntN(n))}}).Decode(&doc)
							if err != nil {
								b.Fatalf("FindOne: %v", err)
							}
						}
						reportOpsPerSec(b)
					})
					b.Run("UpdateOne", func(b *testing.B) {
						rng := rand.New(rand.NewPCG(2, uint64(n)))
						i := 0
						for b.Loop() {
							i++
							res, err := coll.UpdateOne(ctx,
								bson.D{{Key: "_id", Value: docID(rng.IntN(n))}},
								bson.D{{Key: "$set", Value: bson.D{{Key: "qty", Value: i}}}})
							if err != nil || res.MatchedCount != 1 {
								b.Fatalf("UpdateOne: matched %v, err %v", res, err)
							}
						}
						reportOpsPerSec(b)
					})
				})
			}
		})
	}
}

// seed inserts n documents shaped like a small need record.
func seed(ctx context.Context, b *testing.B, coll *mongo.Collection, n int) {
	b.Helper()
	const batch = 1_000
	note := strings.Repeat("x", 100)
	docs := make([]any, 0, batch)
	for i := 0; i < n; i += batch {
		docs = docs[:0]
		for j := i; j < min(i+batch, n); j++ {
			docs = append(docs, bson.D{
				{Key: "_id", Value: docID(j)},
				{Key: "org_id", Value: "org-1"},
				{Key: "item", Value: "water"},
				{Key: "qty", Value: j},
				{Key: "status", Value: "open"},
				{Key: "note", Value: note},
			})
		}
		if _, err := coll.InsertMany(ctx, docs); err != nil {
			b.Fatalf("seed %d: %v", n, err)
		}
	}
}

func docID(i int) string { return fmt.Sprintf("doc-%07d", i) }

func reportOpsPerSec(b *testing.B) {
	if s := b.Elapsed().Seconds(); s > 0 {
		b.ReportMetric(float64(b.N)/s, "ops/s")
	}
}
