package app

import (
	"context"
	"errors"
	"fmt"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/audit/domain"
)

// Append records an event at the end of the log, exactly once: an event
// already recorded returns its index with appended false.
//
// The writes go in an order a crash can interrupt anywhere: the tree's
// stored hashes (replaced if an earlier attempt left them), the record,
// then the event-id document. A record without its event-id document can
// only be the last one; Load and the next Append write it.
func (a *App) Append(ctx context.Context, e events.Envelope) (index int64, appended bool, err error) {
	if e.ID == "" {
		return 0, false, errors.New("append: the event has no id")
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.settle(ctx); err != nil {
		return 0, false, err
	}
	if i, ok, err := a.Log.EventIndex(ctx, e.ID); err != nil || ok {
		return i, false, err
	}
	data, err := domain.Canonical(e)
	if err != nil {
		return 0, false, err
	}
	n := a.size
	hashes, err := tlog.StoredHashes(n, data, a.hashReader(ctx))
	if err != nil {
		return 0, false, fmt.Errorf("tree hashes for record %d: %w", n, err)
	}
	if err := a.Log.PutHashes(ctx, tlog.StoredHashIndex(0, n), hashes); err != nil {
		return 0, false, err
	}
	if err := a.Log.PutRecord(ctx, domain.Record{Index: n, Data: data}); err != nil {
		// The write may have happened though it reported failure; look
		// before the next append rather than write a second record.
		a.dirty = true
		if errors.Is(err, domain.ErrRecordExists) {
			if err := a.settle(ctx); err != nil {
				return 0, false, err
			}
			if i, ok, err := a.Log.EventIndex(ctx, e.ID); err != nil || ok {
				return i, false, err
			}
			return 0, false, fmt.Errorf("record %d was written by someone else: the audit log must have one writer: %w", n, err)
		}
		return 0, false, err
	}
	a.index.Set(n, e)
	a.observe(n, e)
	a.size++
	a.pending = &tail{eventID: e.ID, index: n}
	if err := a.settle(ctx); err != nil {
		// The record is in; a retry finds it through settle.
		return n, true, err
	}
	return n, true, nil
}
