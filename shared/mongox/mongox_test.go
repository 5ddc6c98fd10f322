package mongox_test

import (
	"context"
	"testing"

	"github.com/aidflow/aidflow/shared/httpx"
	"github.com/aidflow/aidflow/shared/mongox"
	"github.com/aidflow/aidflow/shared/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

func TestProcessedMarksOncePerConsumer(t *testing.T) {
	ctx := context.Background()
	db := testkit.MongoClient(t, testkit.SharedMongo(t)).Database(testkit.DBName(t))
	p := mongox.NewProcessed(db)
	if seen, err := p.Seen(ctx, "c1", "e1"); err != nil || seen {
		t.Fatalf("fresh: %v %v", seen, err)
	}
	for range 2 { // marking twice is not an error: a redelivery may race the mark
		if err := p.Mark(ctx, "c1", "e1"); err != nil {
			t.Fatal(err)
		}
	}
	if seen, _ := p.Seen(ctx, "c1", "e1"); !seen {
		t.Error("marked event not seen")
	}
	if seen, _ := p.Seen(ctx, "c2", "e1"); seen {
		t.Error("another consumer's mark must not count")
	}
}

func TestIdempotencyStoreKeepsFirstAnswer(t *testing.T) {
	ctx := context.Background()
	db := testkit.MongoClient(t, testkit.SharedMongo(t)).Database(testkit.DBName(t))
	s := mongox.NewIdempotency(db)
	if r, err := s.Get(ctx, "k"); err != nil || r != nil {
		t.Fatalf("fresh: %v %v", r, err)
	}
	want := httpx.SavedResponse{Status: 201, ContentType: "application/json", Body: []byte(`{"id":"n1"}`), BodyHash: "h"}
	if err := s.Put(ctx, "k", want); err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(ctx, "k")
	if err != nil || got == nil || got.Status != 201 || string(got.Body) != `{"id":"n1"}` || got.BodyHash != "h" {
		t.Fatalf("got %+v, %v", got, err)
	}
}

func TestEnsureCollectionsIsRepeatable(t *testing.T) {
	ctx := context.Background()
	db := testkit.MongoClient(t, testkit.SharedMongo(t)).Database(testkit.DBName(t))
	for range 2 {
		if err := mongox.EnsureCollections(ctx, db, "a", "b"); err != nil {
			t.Fatal(err)
		}
	}
	names, err := db.ListCollectionNames(ctx, map[string]any{})
	if err != nil || len(names) != 2 {
		t.Fatalf("collections %v, %v", names, err)
	}
}
