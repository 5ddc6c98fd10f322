// Package testkit starts the real dependencies of a service in-process for
// its tests: embedded NATS with JetStream and the embedded MongoDB-compatible
// store. There is no container engine on the build machines, and the
// embedded servers start in milliseconds, so tests use the real thing
// rather than mocks of it.
//
// A test binary that uses SharedMongo should call Main from its TestMain so
// the shared store is stopped and its directory removed:
//
//	func TestMain(m *testing.M) { testkit.Main(m) }
package testkit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/aidflow/aidflow/shared/embednats"
	"github.com/aidflow/aidflow/shared/embedstore"
)

const (
	startTimeout = 30 * time.Second
	pingTimeout  = 10 * time.Second
	// pollInterval is Eventually's pause between checks: short, because
	// the embedded servers answer in well under a millisecond.
	pollInterval = 5 * time.Millisecond
	// maxDBName keeps DBName inside every limit on database names that
	// matters here (MongoDB: 64 bytes for the name and 38 for sharded
	// clusters; FerretDB: 63 of [a-zA-Z0-9_-]).
	maxDBName = 38
	dbSuffix  = 8 // hex characters of randomness
)

// NATS starts an embedded NATS server with JetStream (fsync on every write)
// in a temporary directory on a free port; it stops when the test ends.
func NATS(tb testing.TB) *embednats.Server {
	tb.Helper()
	srv, err := embednats.Start(embednats.Config{Dir: tb.TempDir()})
	if err != nil {
		tb.Fatalf("testkit: start NATS: %v", err)
	}
	tb.Cleanup(srv.Close)
	return srv
}

// Mongo starts an embedded store of its own in a temporary directory on a
// free port; it stops when the test ends. Start takes milliseconds, so one
// per test is fine; SharedMongo avoids even that.
func Mongo(tb testing.TB) *embedstore.Server {
	tb.Helper()
	srv, err := startStore(tb.Context(), tb.TempDir())
	if err != nil {
		tb.Fatalf("testkit: start store: %v", err)
	}
	tb.Cleanup(func() {
		if err := srv.Close(); err != nil {
			tb.Errorf("testkit: close store: %v", err)
		}
	})
	return srv
}

// shared is the store SharedMongo hands out, one per test binary.
var shared struct {
	once sync.Once
	dir  string
	srv  *embedstore.Server
	err  error
}

// SharedMongo returns the URI of an embedded store shared by every test in
// the test binary, started on first use. Tests isolate from each other by
// database: use DBName.
func SharedMongo(tb testing.TB) string {
	tb.Helper()
	shared.once.Do(func() {
		// Not tb.TempDir: that is removed when the first test using it ends.
		shared.dir, shared.err = os.MkdirTemp("", "aidflow-testkit-store-")
		if shared.err != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
		defer cancel()
		shared.srv, shared.err = startStore(ctx, shared.dir)
	})
	if shared.err != nil {
		tb.Fatalf("testkit: start shared store: %v", shared.err)
	}
	return shared.srv.URI()
}

// Main runs the tests, then stops the shared store, removes its directory
// and exits with the tests' code. Call it from TestMain in packages that
// use SharedMongo; without it the directory is left in the temp dir.
func Main(m *testing.M) {
	code := m.Run()
	if shared.srv != nil {
		if err := shared.srv.Close(); err != nil {
			fmt.Fprintf(os.Stderr, "testkit: close shared store: %v\n", err)
		}
	}
	if shared.dir != "" {
		_ = os.RemoveAll(shared.dir)
	}
	os.Exit(code)
}

func startStore(ctx context.Context, dir string) (*embedstore.Server, error) {
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	return embedstore.Start(ctx, embedstore.Config{Dir: dir})
}

// DBName returns a database name unique to this call, derived from the test
// name so a leftover database says which test made it: only [a-z0-9_],
// at most 38 characters.
func DBName(tb testing.TB) string {
	tb.Helper()
	var suffix [dbSuffix / 2]byte
	_, _ = rand.Read(suffix[:]) // never fails (crypto/rand panics instead)

	name := sanitize(tb.Name())
	if limit := maxDBName - 1 - dbSuffix; len(name) > limit {
		// Keep both ends: the top-level test and the innermost subtest.
		head := limit / 2
		tail := limit - head - 1
		name = strings.TrimRight(name[:head], "_") + "_" + strings.TrimLeft(name[len(name)-tail:], "_")
	}
	return name + "_" + hex.EncodeToString(suffix[:])
}

// sanitize lowercases s and turns every run of characters outside [a-z0-9]
// into one underscore.
func sanitize(s string) string {
	var b strings.Builder
	underscore := false
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
			underscore = false
			continue
		}
		if !underscore && b.Len() > 0 {
			b.WriteByte('_')
			underscore = true
		}
	}
	name := strings.TrimRight(b.String(), "_")
	if name == "" {
		name = "test"
	}
	return name
}

// MongoClient connects to uri and pings; the client is disconnected when
// the test ends.
func MongoClient(tb testing.TB, uri string) *mongo.Client {
	tb.Helper()
	client, err := mongo.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		tb.Fatalf("testkit: connect to %s: %v", uri, err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), pingTimeout)
		defer cancel()
		_ = client.Disconnect(ctx)
	})
	ctx, cancel := context.WithTimeout(tb.Context(), pingTimeout)
	defer cancel()
	if err := client.Ping(ctx, nil); err != nil {
		tb.Fatalf("testkit: ping %s: %v", uri, err)
	}
	return client
}

// Eventually checks cond every few milliseconds until it returns true, and
// fails the test if that has not happened within timeout. msgAndArgs is an
// optional format string and its arguments, said on failure.
func Eventually(tb testing.TB, timeout time.Duration, cond func() bool, msgAndArgs ...any) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("condition not met within %s: %s", timeout, message(msgAndArgs))
			return // a fake testing.TB may not stop the goroutine
		}
		select {
		case <-tb.Context().Done():
			tb.Fatalf("test ended while waiting: %s", message(msgAndArgs))
			return
		case <-tick.C:
		}
	}
}

func message(msgAndArgs []any) string {
	if len(msgAndArgs) == 0 {
		return "(no message)"
	}
	if format, ok := msgAndArgs[0].(string); ok {
		return fmt.Sprintf(format, msgAndArgs[1:]...)
	}
	return strings.TrimSuffix(fmt.Sprintln(msgAndArgs...), "\n")
}
