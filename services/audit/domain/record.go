// Package domain holds the audit log's records, its RFC 6962 Merkle tree
// (golang.org/x/mod/sumdb/tlog), the compact index that serves filtered
// queries, the verification of the stored log, and signed checkpoints.
package domain

import (
	"encoding/json"
	"fmt"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/shared/apperr"
)

// Record is one entry of the log: an event envelope at its index. Data is
// the exact byte string the record hash covers (tlog.RecordHash(Data)); it
// is stored as given and never re-encoded, so anyone holding the bytes can
// recompute the hash.
type Record struct {
	Index int64
	Data  []byte
}

// Canonical is the byte form an event is recorded in: its envelope encoded
// by encoding/json (fields in declaration order, data compacted).
func Canonical(e events.Envelope) ([]byte, error) {
	b, err := json.Marshal(e)
	if err != nil {
		return nil, fmt.Errorf("encode event %s: %w", e.ID, err)
	}
	return b, nil
}

// Envelope decodes the record's event.
func (r Record) Envelope() (events.Envelope, error) {
	var e events.Envelope
	if err := json.Unmarshal(r.Data, &e); err != nil {
		return events.Envelope{}, fmt.Errorf("record %d: %w", r.Index, err)
	}
	return e, nil
}

// Hash is the record's leaf hash in the Merkle tree.
func (r Record) Hash() tlog.Hash { return tlog.RecordHash(r.Data) }

// Errors.
var (
	ErrRecordNotFound = apperr.New(apperr.NotFound, "no record at this index")
	// ErrRecordExists means an append found its index taken: the log has a
	// second writer, or an earlier write succeeded unseen (see app.Append).
	ErrRecordExists = apperr.New(apperr.Conflict, "a record already exists at this index")
	ErrHashNotFound = apperr.New(apperr.NotFound, "a stored hash of the tree is missing")
	ErrNoCheckpoint = apperr.New(apperr.NotFound, "no checkpoint has been signed yet")
	// ErrCheckpointNotFound: no checkpoint was signed at that size.
	ErrCheckpointNotFound = apperr.New(apperr.NotFound, "no checkpoint was signed at this size")
	// ErrEventNotRecorded: the event id is not in the log (yet).
	ErrEventNotRecorded = apperr.New(apperr.NotFound, "this event is not recorded in the log")
	// ErrAnomalyNotFound: no anomaly with this id was raised.
	ErrAnomalyNotFound = apperr.New(apperr.NotFound, "no anomaly with this id was raised")
)
