package domain

import (
	"context"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/aidflow/aidflow/contracts/events"
)

// LogStore keeps the Merkle log: records by index, the event id → index
// map that makes appends idempotent, and the tree's stored hashes by
// storage index (tlog.StoredHashIndex). Every method addresses documents
// by their key; only the Scan methods read a whole collection, at start and
// for verification.
//
// One writer appends (app.App serialises appends); the store itself does
// not order concurrent writers.
type LogStore interface {
	// PutHashes stores hashes at consecutive storage indexes from start,
	// replacing any already there (left by an append that stopped before
	// writing its record).
	PutHashes(ctx context.Context, start int64, hashes []tlog.Hash) error
	// ReadHashes returns the hashes at the storage indexes, in the same
	// order, or ErrHashNotFound.
	ReadHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error)
	// PutRecord stores a new record, or returns ErrRecordExists.
	PutRecord(ctx context.Context, r Record) error
	// Record returns the record at index, or ErrRecordNotFound.
	Record(ctx context.Context, index int64) (Record, error)
	// PutEventIndex records that event id is at index; a repeat is no error.
	PutEventIndex(ctx context.Context, eventID string, index int64) error
	// EventIndex returns the index of an event, and false when it is not
	// (yet) recorded.
	EventIndex(ctx context.Context, eventID string) (int64, bool, error)
	// ScanRecords calls fn for every stored record, in no particular order.
	ScanRecords(ctx context.Context, fn func(Record) error) error
	// ScanHashes calls fn for every stored hash, in no particular order.
	ScanHashes(ctx context.Context, fn func(index int64, h tlog.Hash) error) error
}

// CheckpointStore keeps signed checkpoints: every one in a history keyed by
// size, and the latest with the checkpoint_signed event in its outbox.
type CheckpointStore interface {
	// Save records cp in the history (a repeat of a size is no error) and
	// makes it the latest, with evs, in one write.
	Save(ctx context.Context, cp Checkpoint, evs ...events.Envelope) error
	// Latest returns the latest checkpoint, or ErrNoCheckpoint.
	Latest(ctx context.Context) (Checkpoint, error)
	// Get returns the checkpoint of a size from the history, or
	// ErrCheckpointNotFound.
	Get(ctx context.Context, size int64) (Checkpoint, error)
	// Sizes returns the size of every checkpoint in the history, ascending.
	// It reads the whole history (its keys), so it runs at start.
	Sizes(ctx context.Context) ([]int64, error)
}

// AnomalyStore keeps raised anomalies, one per rule and subject (keyed by
// Anomaly.ID), each saved with its anomaly_raised event in one write.
type AnomalyStore interface {
	// Raise saves a new anomaly with evs; false (and no event) when one
	// of that ID was raised before.
	Raise(ctx context.Context, a Anomaly, evs ...events.Envelope) (bool, error)
	// All returns every raised anomaly, in no particular order. It reads
	// the whole collection, so it runs at start.
	All(ctx context.Context) ([]Anomaly, error)
}
