// Package embedstore runs a MongoDB-compatible store inside the current
// process: FerretDB v1.24 with its SQLite backend, one file per database in
// a directory. The local stack and the test kit both use it; production
// runs real MongoDB, which needs none of this.
//
// FerretDB's SQLite backend adds no usable index for lookups by _id, so this
// package also maintains a mirror index on every collection table; see
// README.md and mirror.go.
package embedstore

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

const (
	defaultAddr = "127.0.0.1:0"
	// startTimeout bounds the wait for the first successful ping when the
	// caller's context has no deadline.
	startTimeout = 30 * time.Second
	// defaultMirrorInterval is how often new collection tables are looked for.
	// Collections appear at run time (implicitly on first insert), and until
	// the mirror index exists every _id lookup scans the whole table.
	defaultMirrorInterval = 500 * time.Millisecond
	// mirrorFullEvery forces a scan of every database file every so many
	// intervals, even of files whose size and mtime did not change, because
	// file timestamps are coarse.
	mirrorFullEvery = 20
)

// Config configures an embedded store.
type Config struct {
	// Dir holds one SQLite file per database; created if missing. Required.
	Dir string
	// Addr is the TCP address to listen on; default 127.0.0.1:0 (a free port).
	Addr string
	// Logger receives FerretDB's and the mirror indexer's logs; nil discards them.
	Logger *slog.Logger
	// NoMirrorIndex disables the _id mirror index. It exists only so that
	// BenchmarkIDAccess can measure what the workaround buys; nothing else
	// should set it.
	NoMirrorIndex bool

	// mirrorInterval overrides the background scan interval; negative
	// disables the loop. Tests use it to tell the loop from EnsureIndexes.
	mirrorInterval time.Duration
}

// Server is a running embedded store.
type Server struct {
	uri    string
	mirror *mirrorIndexer // nil when Config.NoMirrorIndex

	cancel   context.CancelFunc
	runDone  chan error
	loopDone chan struct{}

	closeOnce sync.Once
	closeErr  error
}

// Start starts the store and returns once it answers a ping. ctx bounds the
// start only; the server runs until Close.
func Start(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.Dir == "" {
		return nil, errors.New("embedstore: Config.Dir is required")
	}
	dir, err := filepath.Abs(cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("embedstore: resolve dir: %w", err)
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("embedstore: create dir: %w", err)
	}
	addr := cfg.Addr
	if addr == "" {
		addr = defaultAddr
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}

	var mirror *mirrorIndexer
	if !cfg.NoMirrorIndex {
		mirror = newMirrorIndexer(dir, logger.With("component", "embedstore.mirror"))
		// Index files left by an earlier run before FerretDB opens them, so
		// the first queries are already fast and nothing contends for locks.
		if err := mirror.ensure(ctx, true); err != nil {
			return nil, fmt.Errorf("embedstore: mirror index existing databases: %w", err)
		}
	}

	// FerretDB v1.24's New leaks its SQLite backend when it cannot listen,
	// and the leak check on that backend panics the whole process at the
	// next garbage collection. Try the address first so that a bad or busy
	// address is an error here, not a crash later (the port can still be
	// taken in the moment between, which is unlikely).
	if err := checkListen(addr); err != nil {
		return nil, err
	}

	fdb, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: addr},
		Logger:    logger.With("component", "ferretdb"),
		Handler:   "sqlite",
		SQLiteURL: "file:" + dir + "/",
	})
	if err != nil {
		return nil, fmt.Errorf("embedstore: new ferretdb: %w", err)
	}

	runCtx, cancel := context.WithCancel(context.Background())
	s := &Server{
		uri:      fdb.MongoDBURI(),
		mirror:   mirror,
		cancel:   cancel,
		runDone:  make(chan error, 1),
		loopDone: make(chan struct{}),
	}
	go func() { s.runDone <- fdb.Run(runCtx) }()
	go func() {
		defer close(s.loopDone)
		interval := cmp.Or(cfg.mirrorInterval, defaultMirrorInterval)
		if mirror != nil && interval > 0 {
			mirror.loop(runCtx, interval, mirrorFullEvery)
		}
	}()

	if err := waitForPing(ctx, s.uri); err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}

// URI returns the mongodb:// URI clients connect to.
func (s *Server) URI() string {
	return s.uri
}

// EnsureIndexes adds the _id mirror index to every collection table that
// lacks it, now. The background loop does the same within about a second;
// call this after creating collections when the next queries must already
// be fast (tests, benchmarks, seeding).
func (s *Server) EnsureIndexes(ctx context.Context) error {
	if s.mirror == nil {
		return nil
	}
	return s.mirror.ensure(ctx, true)
}

// Close stops the store and waits until FerretDB has closed its database
// files. It is safe to call more than once. Disconnect clients first:
// FerretDB gives open connections up to 3 s to go away.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		s.cancel()
		<-s.loopDone
		s.closeErr = <-s.runDone
	})
	return s.closeErr
}

// waitForPing polls until the store answers a ping or ctx ends.
func waitForPing(ctx context.Context, uri string) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, startTimeout)
		defer cancel()
	}
	client, err := mongo.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		return fmt.Errorf("embedstore: connect: %w", err)
	}
	defer func() { _ = client.Disconnect(context.Background()) }()

	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		err := client.Ping(ctx, nil)
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("embedstore: not answering pings: %w", err)
		case <-tick.C:
		}
	}
}

// checkListen reports whether addr can be listened on right now.
func checkListen(addr string) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("embedstore: listen on %s: %w", addr, err)
	}
	return l.Close()
}
