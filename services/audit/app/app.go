// Package app holds the audit log's use cases, one file each: appending
// events, listing them, verifying the log and signing checkpoints.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/aidflow/aidflow/services/audit/domain"
	"github.com/aidflow/aidflow/shared/logging"
)

// Source is the event source name of this service.
const Source = "audit"

// App is the audit log: the stores, the signer, and the in-memory state
// of the one writer (size, index, the tail's pending event-id write).
type App struct {
	Log         domain.LogStore
	Checkpoints domain.CheckpointStore
	// Anomalies keeps raised anomalies; set it before Load.
	Anomalies  domain.AnomalyStore
	Thresholds domain.Thresholds
	Signer     *domain.Signer
	// Publisher announces corrections; nil announces nothing.
	Publisher Publisher
	Now       func() time.Time
	Logger    *slog.Logger
	// VerifyBatch is how many records VerifyLog reads at a time
	// (DefaultVerifyBatch when 0).
	VerifyBatch int

	// mu serialises appends across every stream's consumer: the log has one
	// order, and each append reads the tree the previous one wrote.
	mu    sync.Mutex
	size  int64
	index *domain.Index
	// watch is what the anomaly rules look at, fed every recorded event.
	watch *domain.Watch
	// pending is the last record's event id when its event-id document is
	// not yet known to be written. Only the last record can be in that
	// state: the next append writes it first, or fails.
	pending *tail
	// dirty means a record write failed in a way that may still have
	// stored it; the next append looks at the store before going on.
	dirty bool

	// cpMu serialises signing, so concurrent triggers sign one checkpoint.
	cpMu   sync.Mutex
	latest *domain.Checkpoint
	// anMu guards raised: every anomaly raised, in the order raised
	// (listing pages through it), and their ids.
	anMu     sync.Mutex
	raised   []domain.Anomaly
	raisedID map[string]bool
	// reviews is the latest anomaly_reviewed record of each anomaly, by
	// anomaly id, kept from the log (the log is the reviews' only store).
	reviews map[string]Review

	// cpSizes is the size of every checkpoint signed, ascending: the
	// history is listed and proofs are checked against it without a scan.
	cpSizes []int64
}

type tail struct {
	eventID string
	index   int64
}

// New returns the use cases; call Load before anything else.
func New(log domain.LogStore, cps domain.CheckpointStore, signer *domain.Signer) *App {
	return &App{Log: log, Checkpoints: cps, Signer: signer, Now: time.Now, Logger: logging.Discard(), index: domain.NewIndex(),
		watch: domain.NewWatch(), Thresholds: domain.DefaultThresholds, raisedID: map[string]bool{}, reviews: map[string]Review{}}
}

// Load reads the stored log into memory (its size and the query index)
// and repairs what a crash may have left: the last record's event-id
// document, written after the record, may be missing. It reads every
// record once, so it runs at start, before the consumers.
func (a *App) Load(ctx context.Context) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.index = domain.NewIndex()
	a.watch = domain.NewWatch()
	a.anMu.Lock()
	a.reviews = map[string]Review{}
	a.anMu.Unlock()
	// Records are scanned in no particular order; the watch takes events
	// in any order (domain.Watch.Observe).
	var count int64
	a.size = 0
	err := a.Log.ScanRecords(ctx, func(r domain.Record) error {
		count++
		a.size = max(a.size, r.Index+1)
		e, err := r.Envelope()
		if err != nil {
			// A record that no longer decodes was altered; verify names it.
			a.Logger.ErrorContext(ctx, "stored record does not decode", "index", r.Index, "err", err)
			return nil
		}
		a.index.Set(r.Index, e)
		a.observe(r.Index, e)
		return nil
	})
	if err != nil {
		return fmt.Errorf("load the audit log: %w", err)
	}
	if count != a.size {
		a.Logger.ErrorContext(ctx, "the audit log has holes; GET /v1/audit/verify names the first", "size", a.size, "records", count)
	}
	a.pending, a.dirty = nil, true // adopt anything past the highest index, then settle the tail
	if a.size > 0 {
		r, err := a.Log.Record(ctx, a.size-1)
		if err != nil {
			return err
		}
		if e, err := r.Envelope(); err == nil {
			a.pending = &tail{eventID: e.ID, index: r.Index}
		}
	}
	if err := a.settle(ctx); err != nil {
		return err
	}
	if err := a.loadAnomalies(ctx); err != nil {
		return err
	}
	sizes, err := a.Checkpoints.Sizes(ctx)
	if err != nil {
		return fmt.Errorf("load the checkpoint history: %w", err)
	}
	a.cpMu.Lock()
	a.cpSizes = sizes
	a.cpMu.Unlock()
	cp, err := a.Checkpoints.Latest(ctx)
	switch {
	case errors.Is(err, domain.ErrNoCheckpoint):
	case err != nil:
		return err
	default:
		a.latest = &cp
	}
	return nil
}

// Size returns the number of records in the log.
func (a *App) Size() int64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.size
}

// settle makes the in-memory tail match the store: a record a failed
// write stored after all is adopted, and the tail's event-id document is
// written. Called with mu held.
func (a *App) settle(ctx context.Context) error {
	for a.dirty {
		r, err := a.Log.Record(ctx, a.size)
		if errors.Is(err, domain.ErrRecordNotFound) {
			a.dirty = false
			break
		}
		if err != nil {
			return err
		}
		a.size++
		e, err := r.Envelope()
		if err != nil {
			// Altered in the store; keep appending after it, verify names it.
			a.Logger.ErrorContext(ctx, "stored record does not decode", "index", r.Index, "err", err)
			a.pending = nil
			continue
		}
		a.index.Set(r.Index, e)
		a.observe(r.Index, e)
		a.pending = &tail{eventID: e.ID, index: r.Index}
	}
	if a.pending != nil {
		if err := a.Log.PutEventIndex(ctx, a.pending.eventID, a.pending.index); err != nil {
			return fmt.Errorf("record the index of event %s: %w", a.pending.eventID, err)
		}
		a.pending = nil
	}
	return nil
}

// hashReader reads the tree's stored hashes for tlog.
func (a *App) hashReader(ctx context.Context) tlog.HashReader {
	return tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) { return a.Log.ReadHashes(ctx, idx) })
}

// treeHead returns the log's size and root hash, consistent with each other.
func (a *App) treeHead(ctx context.Context) (int64, tlog.Hash, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	root, err := tlog.TreeHash(a.size, a.hashReader(ctx))
	return a.size, root, err
}
