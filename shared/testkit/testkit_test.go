package testkit_test

import (
	"context"
	"fmt"
	"regexp"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/aidflow/aidflow/shared/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

func TestNATS(t *testing.T) {
	srv := testkit.NATS(t)
	nc, err := nats.Connect(srv.URL())
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatalf("jetstream: %v", err)
	}
	if _, err := js.AccountInfo(t.Context()); err != nil {
		t.Fatalf("JetStream not enabled: %v", err)
	}
}

func TestMongo(t *testing.T) {
	srv := testkit.Mongo(t)
	roundTrip(t, testkit.MongoClient(t, srv.URI()).Database(testkit.DBName(t)).Collection("needs"))
}

func TestSharedMongoIsolatesByDatabase(t *testing.T) {
	uri := testkit.SharedMongo(t)
	if again := testkit.SharedMongo(t); again != uri {
		t.Fatalf("second SharedMongo = %q, want the same server %q", again, uri)
	}
	client := testkit.MongoClient(t, uri)
	a, b := testkit.DBName(t), testkit.DBName(t)
	if a == b {
		t.Fatalf("DBName returned %q twice", a)
	}
	ctx := t.Context()
	if _, err := client.Database(a).Collection("c").InsertOne(ctx, bson.D{{Key: "_id", Value: "x"}}); err != nil {
		t.Fatalf("InsertOne: %v", err)
	}
	n, err := client.Database(b).Collection("c").CountDocuments(ctx, bson.D{})
	if err != nil {
		t.Fatalf("CountDocuments: %v", err)
	}
	if n != 0 {
		t.Fatalf("database %s sees %d documents of %s", b, n, a)
	}

	// Subtests share the server too.
	t.Run("subtest", func(t *testing.T) {
		if got := testkit.SharedMongo(t); got != uri {
			t.Fatalf("SharedMongo in subtest = %q, want %q", got, uri)
		}
	})
}

var dbNameRe = regexp.MustCompile(`^[a-z0-9_]{1,38}$`)

func TestDBName(t *testing.T) {
	uri := testkit.SharedMongo(t)
	client := testkit.MongoClient(t, uri)
	tests := []struct {
		name string
		want string // regexp
	}{
		{name: "plain", want: `^testdbname_plain_[0-9a-f]{8}$`},
		{name: "Mixed Case & symbols/ünïcode", want: `^testdbname_mix_symbols_n_code_[0-9a-f]{8}$`},
		{name: strings.Repeat("very_long_subtest_name_", 5) + "end", want: `^testdbname_ver_btest_name_end_[0-9a-f]{8}$`},
		{name: "__", want: `^testdbname_[0-9a-f]{8}$`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := testkit.DBName(t)
			if !dbNameRe.MatchString(name) {
				t.Fatalf("DBName = %q, want %s", name, dbNameRe)
			}
			if !regexp.MustCompile(tt.want).MatchString(name) {
				t.Fatalf("DBName = %q, want %s", name, tt.want)
			}
			// The store accepts it as a database name.
			if err := client.Database(name).CreateCollection(t.Context(), "c"); err != nil {
				t.Fatalf("create collection in %q: %v", name, err)
			}
		})
	}
	seen := map[string]bool{}
	for range 100 {
		name := testkit.DBName(t)
		if seen[name] {
			t.Fatalf("DBName repeated %q", name)
		}
		seen[name] = true
	}
}

func TestMongoClientFailsOnUnreachableServer(t *testing.T) {
	got := failure(t, func(tb testing.TB) {
		testkit.MongoClient(tb, "mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=100&connectTimeoutMS=100")
	})
	if !strings.Contains(got, "ping") {
		t.Fatalf("failure = %q, want a ping error", got)
	}
}

func TestEventually(t *testing.T) {
	t.Run("condition becomes true", func(t *testing.T) {
		var calls atomic.Int32
		testkit.Eventually(t, 5*time.Second, func() bool { return calls.Add(1) >= 3 }, "never reached 3")
		if got := calls.Load(); got != 3 {
			t.Fatalf("cond called %d times, want 3", got)
		}
	})

	tests := []struct {
		name       string
		msgAndArgs []any
		want       string
	}{
		{name: "format and args", msgAndArgs: []any{"offer %s not matched", "o-1"}, want: "offer o-1 not matched"},
		{name: "no message", want: "(no message)"},
		{name: "non-string first", msgAndArgs: []any{42, "x"}, want: "42 x"},
	}
	for _, tt := range tests {
		t.Run("times out/"+tt.name, func(t *testing.T) {
			got := failure(t, func(tb testing.TB) {
				testkit.Eventually(tb, 20*time.Millisecond, func() bool { return false }, tt.msgAndArgs...)
			})
			if !strings.Contains(got, "within 20ms") || !strings.Contains(got, tt.want) {
				t.Fatalf("failure = %q, want the timeout and %q", got, tt.want)
			}
		})
	}
}

// roundTrip inserts a document and reads it back by _id.
func roundTrip(t *testing.T, coll *mongo.Collection) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if _, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: "n1"}, {Key: "qty", Value: 2}}); err != nil {
		t.Fatalf("InsertOne: %v", err)
	}
	var doc struct {
		Qty int `bson:"qty"`
	}
	if err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: "n1"}}).Decode(&doc); err != nil || doc.Qty != 2 {
		t.Fatalf("FindOne = %+v, %v; want qty 2", doc, err)
	}
}

// failure runs f with a testing.TB whose Fatalf records the message and
// ends f's goroutine, as testing.T's does, and returns that message.
func failure(t *testing.T, f func(tb testing.TB)) string {
	t.Helper()
	ft := &fakeTB{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(ft)
	}()
	<-done
	return ft.msg
}

type fakeTB struct {
	testing.TB
	msg string
}

func (f *fakeTB) Helper() {}

func (f *fakeTB) Fatalf(format string, args ...any) {
	f.msg += fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func (f *fakeTB) Fatal(args ...any) {
	f.msg += fmt.Sprint(args...)
	runtime.Goexit()
}

// Errorf records the message and lets f go on, as testing.T's does.
func (f *fakeTB) Errorf(format string, args ...any) { f.msg += fmt.Sprintf(format, args...) }
