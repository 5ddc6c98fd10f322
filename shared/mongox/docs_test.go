package mongox_test

import (
	"errors"
	"fmt"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/aidflow/aidflow/shared/mongox"
	"github.com/aidflow/aidflow/shared/testkit"
)

type doc struct {
	ID    string `bson:"_id"`
	Item  string `bson:"item"`
	Qty   int64  `bson:"qty"`
	Notes string `bson:"notes,omitempty"`
}

func TestSetOfSetsAllButTheID(t *testing.T) {
	set, err := mongox.SetOf(doc{ID: "n1", Item: "ventilator", Qty: 2})
	if err != nil {
		t.Fatal(err)
	}
	want := bson.D{{Key: "item", Value: "ventilator"}, {Key: "qty", Value: int64(2)}}
	if got := fmt.Sprintf("%#v", set); got != fmt.Sprintf("%#v", want) {
		t.Fatalf("SetOf = %s, want item and qty in order, no _id, no empty notes", got)
	}
	if _, err := mongox.SetOf(42); err == nil {
		t.Fatal("SetOf of a number is not an error")
	}

	// Written with $set, a field the struct does not know survives.
	ctx := t.Context()
	c := testkit.MongoClient(t, testkit.SharedMongo(t)).Database(testkit.DBName(t)).Collection("c")
	if _, err := c.InsertOne(ctx, bson.D{{Key: "_id", Value: "n1"}, {Key: "item", Value: "mask"}, {Key: "outbox", Value: bson.A{"e1"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateByID(ctx, "n1", bson.D{{Key: "$set", Value: set}}); err != nil {
		t.Fatal(err)
	}
	var got bson.M
	if err := c.FindOne(ctx, bson.D{{Key: "_id", Value: "n1"}}).Decode(&got); err != nil {
		t.Fatal(err)
	}
	if got["item"] != "ventilator" || got["qty"] != int64(2) || got["outbox"] == nil {
		t.Fatalf("stored %v", got)
	}
}

func TestEach(t *testing.T) {
	ctx := t.Context()
	c := testkit.MongoClient(t, testkit.SharedMongo(t)).Database(testkit.DBName(t)).Collection("c")
	for i := range 3 {
		if _, err := c.InsertOne(ctx, doc{ID: fmt.Sprintf("n%d", i), Item: "mask", Qty: int64(i), Notes: "n"}); err != nil {
			t.Fatal(err)
		}
	}
	var got []doc
	err := mongox.Each(ctx, c, bson.D{}, func(d doc) error { got = append(got, d); return nil },
		options.Find().SetProjection(bson.D{{Key: "notes", Value: 0}}), options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil || fmt.Sprint(got) != "[{n0 mask 0 } {n1 mask 1 } {n2 mask 2 }]" {
		t.Fatalf("Each read %v, %v; want every document in order, projected", got, err)
	}

	got = nil
	err = mongox.Each(ctx, c, bson.D{{Key: "qty", Value: bson.D{{Key: "$gte", Value: 1}}}}, func(d doc) error { got = append(got, d); return nil })
	if err != nil || len(got) != 2 {
		t.Fatalf("Each with a filter read %v, %v", got, err)
	}

	stop := errors.New("enough")
	n := 0
	if err := mongox.Each(ctx, c, bson.D{}, func(doc) error { n++; return stop }); !errors.Is(err, stop) || n != 1 {
		t.Fatalf("Each went on after fn's error: %d calls, %v", n, err)
	}
	if err := mongox.Each(ctx, c, bson.D{}, func(struct{ Qty string }) error { return nil }); err == nil {
		t.Fatal("a document that does not decode is not an error")
	}
}

func TestFindByID(t *testing.T) {
	ctx := t.Context()
	c := testkit.MongoClient(t, testkit.SharedMongo(t)).Database(testkit.DBName(t)).Collection("c")
	if _, err := c.InsertOne(ctx, doc{ID: "n1", Item: "mask", Qty: 3, Notes: "private"}); err != nil {
		t.Fatal(err)
	}
	errNotFound := errors.New("no such need")
	got, err := mongox.FindByID[doc](ctx, c, "n1", errNotFound, options.FindOne().SetProjection(bson.D{{Key: "notes", Value: 0}}))
	if err != nil || got != (doc{ID: "n1", Item: "mask", Qty: 3}) {
		t.Fatalf("FindByID = %+v, %v; want n1 without its notes", got, err)
	}
	if _, err := mongox.FindByID[doc](ctx, c, "n2", errNotFound); !errors.Is(err, errNotFound) {
		t.Fatalf("FindByID of a missing id: %v, want the caller's not-found", err)
	}
	if _, err := mongox.FindByID[struct{ Qty string }](ctx, c, "n1", errNotFound); err == nil || errors.Is(err, errNotFound) {
		t.Fatalf("FindByID of a document that does not decode: %v", err)
	}
}
