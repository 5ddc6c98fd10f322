package outbox_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/shared/bus"
	"github.com/aidflow/aidflow/shared/outbox"
	"github.com/aidflow/aidflow/shared/testkit"
)

type needDoc struct {
	ID       string `bson:"_id"`
	Quantity int64  `bson:"quantity"`
}

func posted(id string) events.Envelope {
	return events.MustNew("demand", events.NeedPosted{NeedID: id, Item: "goggles", Quantity: 5}, events.Meta{Subject: id, Item: "goggles"})
}

func connect(t testing.TB, natsURL, mongoURI, db string) (*bus.Bus, *mongo.Collection) {
	t.Helper()
	b, err := bus.Connect(context.Background(), bus.Options{URL: natsURL, Name: "outbox-test"})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.EnsureStreams(context.Background(), "demand"); err != nil {
		t.Fatal(err)
	}
	client := testkit.MongoClient(t, mongoURI)
	return b, client.Database(db).Collection("needs")
}

// streamCount returns how many events the demand stream holds.
func streamCount(t *testing.T, b *bus.Bus) uint64 {
	t.Helper()
	s, err := b.JetStream().Stream(context.Background(), events.StreamName("demand"))
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return info.State.Msgs
}

func outboxLen(t *testing.T, c *mongo.Collection, id string) int {
	t.Helper()
	evs, err := outbox.Pending(context.Background(), c, id)
	if err != nil {
		t.Fatal(err)
	}
	return len(evs)
}

func TestInsertAndUpdateArePublishedAndRemoved(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b, coll := connect(t, testkit.NATS(t).URL(), testkit.SharedMongo(t), testkit.DBName(t))
	defer b.Close()
	r := outbox.NewRelay(b, slog.New(slog.NewTextHandler(testWriter{t}, nil)))
	r.Watch(coll)
	go func() { _ = r.Run(ctx) }()

	if err := r.Insert(ctx, coll, needDoc{ID: "n1", Quantity: 5}, posted("n1")); err != nil {
		t.Fatal(err)
	}
	if err := r.Update(ctx, coll, "n1", bson.D{{Key: "$set", Value: bson.D{{Key: "quantity", Value: 6}}}}, posted("n1"), posted("n1")); err != nil {
		t.Fatal(err)
	}
	if err := r.Update(ctx, coll, "missing", bson.D{{Key: "$set", Value: bson.D{{Key: "quantity", Value: 1}}}}); !errors.Is(err, mongo.ErrNoDocuments) {
		t.Fatalf("update of a missing aggregate: %v", err)
	}
	// The update races the relay's removal of the first event on purpose:
	// unserialised, FerretDB lets the removal erase the pushed events.
	testkit.Eventually(t, 10*time.Second, func() bool { return streamCount(t, b) == 3 && outboxLen(t, coll, "n1") == 0 },
		"three events published and the outbox emptied")
}

// The child writes an aggregate with its event and is killed at a failpoint;
// a new relay must publish the event exactly once.
func TestCrashBetweenWriteAndPublishLosesNothing(t *testing.T) {
	for _, point := range []string{"before-publish", "after-publish"} {
		t.Run(point, func(t *testing.T) {
			natsURL, mongoURI, db := testkit.NATS(t).URL(), testkit.SharedMongo(t), testkit.DBName(t)
			cmd := exec.Command(os.Args[0], "-test.run=^TestOutboxChildProcess$")
			cmd.Env = append(os.Environ(), "OUTBOX_CHILD="+point, "OUTBOX_NATS="+natsURL, "OUTBOX_MONGO="+mongoURI, "OUTBOX_DB="+db)
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			cmd.Stderr = os.Stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			sc := bufio.NewScanner(out)
			reached := false
			for sc.Scan() {
				if strings.Contains(sc.Text(), "FAILPOINT") {
					reached = true
					break
				}
			}
			if !reached {
				t.Fatal("child never reached the failpoint")
			}
			_ = cmd.Process.Signal(syscall.SIGKILL)
			_ = cmd.Wait()

			b, coll := connect(t, natsURL, mongoURI, db)
			defer b.Close()
			want := uint64(0)
			if point == "after-publish" {
				want = 1
			}
			if n := streamCount(t, b); n != want {
				t.Fatalf("after the kill the stream holds %d events, want %d", n, want)
			}
			if outboxLen(t, coll, "n1") != 1 {
				t.Fatal("the event must still be in the aggregate's outbox after the kill")
			}

			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			r := outbox.NewRelay(b, nil)
			r.Watch(coll)
			go func() { _ = r.Run(ctx) }()
			testkit.Eventually(t, 10*time.Second, func() bool { return outboxLen(t, coll, "n1") == 0 }, "the restarted relay empties the outbox")
			if n := streamCount(t, b); n != 1 {
				t.Fatalf("stream holds %d events, want exactly 1", n)
			}
			// And a consumer sees it once.
			cons, err := b.JetStream().OrderedConsumer(ctx, events.StreamName("demand"), jetstream.OrderedConsumerConfig{})
			if err != nil {
				t.Fatal(err)
			}
			msg, err := cons.Next(jetstream.FetchMaxWait(5 * time.Second))
			if err != nil || !strings.Contains(string(msg.Data()), `"need_id":"n1"`) {
				t.Fatalf("consumer got %v, %v", msg, err)
			}
		})
	}
}

// TestOutboxChildProcess is the child of the crash test; it does nothing
// unless started by it.
func TestOutboxChildProcess(t *testing.T) {
	point := os.Getenv("OUTBOX_CHILD")
	if point == "" {
		return
	}
	b, coll := connect(t, os.Getenv("OUTBOX_NATS"), os.Getenv("OUTBOX_MONGO"), os.Getenv("OUTBOX_DB"))
	r := outbox.NewRelay(b, nil)
	hang := func() {
		fmt.Println("FAILPOINT")
		select {} // killed here
	}
	if point == "before-publish" {
		r.BeforePublish = hang
	} else {
		r.AfterPublish = hang
	}
	r.Watch(coll)
	go func() { _ = r.Run(context.Background()) }()
	if err := r.Insert(context.Background(), coll, needDoc{ID: "n1", Quantity: 5}, posted("n1")); err != nil {
		t.Fatal(err)
	}
	select {}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) { w.t.Log(string(p)); return len(p), nil }

// A write that lands after the start-up sweep with nobody to notify the
// relay (a crashed process's last insert, applied by the database after the
// process died) is still published, by the late sweep.
func TestEntriesWrittenAfterTheStartSweepArePublished(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b, coll := connect(t, testkit.NATS(t).URL(), testkit.SharedMongo(t), testkit.DBName(t))
	defer b.Close()
	r := outbox.NewRelay(b, nil)
	r.Watch(coll)
	swept := make(chan struct{})
	r.AfterStartSweep = func() { close(swept) }
	go func() { _ = r.Run(ctx) }()
	<-swept
	entries, err := outbox.Entries(posted("late"))
	if err != nil {
		t.Fatal(err)
	}
	// Straight into the collection, as the dead writer's insert would be.
	if _, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: "late"}, {Key: "quantity", Value: 5}, {Key: outbox.Field, Value: entries}}); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, outbox.LateSweeps[0]+10*time.Second, func() bool { return streamCount(t, b) == 1 && outboxLen(t, coll, "late") == 0 },
		"the late sweep publishes the entry")
}

// A relay watching a shared collection through a scope sweeps only its own
// documents: another writer's pending entries stay where they are, for that
// writer's relay, which may be updating the document at that moment.
func TestScopedRelayLeavesOtherDocumentsAlone(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b, coll := connect(t, testkit.NATS(t).URL(), testkit.SharedMongo(t), testkit.DBName(t))
	defer b.Close()
	for _, d := range []struct{ id, owner string }{{"mine", "a"}, {"theirs", "b"}} {
		entries, err := outbox.Entries(posted(d.id))
		if err != nil {
			t.Fatal(err)
		}
		// Left behind by a crash: nobody notifies a relay of them.
		if _, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: d.id}, {Key: "owner", Value: d.owner}, {Key: outbox.Field, Value: entries}}); err != nil {
			t.Fatal(err)
		}
	}
	scope := bson.D{{Key: "owner", Value: "a"}}

	// What each sweep takes, before any relay runs: the unscoped one both.
	unscoped := outbox.NewRelay(b, nil)
	unscoped.Watch(coll)
	if n, err := unscoped.Sweep(ctx); err != nil || n != 2 {
		t.Fatalf("an unscoped sweep found %d aggregates (%v), want 2", n, err)
	}
	scoped := outbox.NewRelay(b, nil)
	scoped.WatchScoped(coll, scope)
	if n, err := scoped.Sweep(ctx); err != nil || n != 1 {
		t.Fatalf("a scoped sweep found %d aggregates (%v), want its own 1", n, err)
	}
	// A standby owns nothing until it becomes the writer.
	owns := false
	standby := outbox.NewRelay(b, nil)
	standby.WatchScoped(coll, scope)
	standby.Owns = func() bool { return owns }
	if n, err := standby.Sweep(ctx); err != nil || n != 0 {
		t.Fatalf("a standby's sweep found %d aggregates (%v), want none", n, err)
	}
	owns = true
	if n, err := standby.Sweep(ctx); err != nil || n != 1 {
		t.Fatalf("the new writer's sweep found %d aggregates (%v), want its own 1", n, err)
	}

	r := outbox.NewRelay(b, nil)
	r.WatchScoped(coll, scope)
	swept := make(chan struct{})
	r.AfterStartSweep = func() { close(swept) }
	go func() { _ = r.Run(ctx) }()
	<-swept
	testkit.Eventually(t, 10*time.Second, func() bool { return outboxLen(t, coll, "mine") == 0 && streamCount(t, b) == 1 },
		"the relay publishes and removes its own document's entry")
	if n := outboxLen(t, coll, "theirs"); n != 1 {
		t.Fatalf("the other writer's document holds %d entries, want its 1 untouched", n)
	}
}
