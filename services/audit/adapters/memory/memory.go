// Package memory is the in-memory audit store for fast tests; the shared
// suite (adapters/adapterstest) keeps it honest against the Mongo adapter.
package memory

import (
	"context"
	"slices"
	"sync"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/audit/domain"
)

// Log is an in-memory domain.LogStore.
//
// For tests of crashes and lost acknowledgements, FailBefore is consulted
// before each write ("hashes", "record", "event_index"): an error fails
// the write. FailAfter is consulted after it: an error reports failure of
// a write that happened.
type Log struct {
	mu         sync.Mutex
	records    map[int64][]byte
	ids        map[string]int64
	hashes     map[int64]tlog.Hash
	FailBefore func(op string) error
	FailAfter  func(op string) error
}

// NewLog returns an empty log.
func NewLog() *Log {
	return &Log{records: map[int64][]byte{}, ids: map[string]int64{}, hashes: map[int64]tlog.Hash{}}
}

func (l *Log) before(op string) error {
	if l.FailBefore != nil {
		return l.FailBefore(op)
	}
	return nil
}

func (l *Log) after(op string) error {
	if l.FailAfter != nil {
		return l.FailAfter(op)
	}
	return nil
}

func (l *Log) PutHashes(_ context.Context, start int64, hs []tlog.Hash) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.before("hashes"); err != nil {
		return err
	}
	for i, h := range hs {
		l.hashes[start+int64(i)] = h
	}
	return l.after("hashes")
}

func (l *Log) ReadHashes(_ context.Context, idx []int64) ([]tlog.Hash, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]tlog.Hash, len(idx))
	for i, s := range idx {
		h, ok := l.hashes[s]
		if !ok {
			return nil, domain.ErrHashNotFound
		}
		out[i] = h
	}
	return out, nil
}

func (l *Log) PutRecord(_ context.Context, r domain.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.before("record"); err != nil {
		return err
	}
	if _, ok := l.records[r.Index]; ok {
		return domain.ErrRecordExists
	}
	l.records[r.Index] = slices.Clone(r.Data)
	return l.after("record")
}

func (l *Log) Record(_ context.Context, index int64) (domain.Record, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	d, ok := l.records[index]
	if !ok {
		return domain.Record{}, domain.ErrRecordNotFound
	}
	return domain.Record{Index: index, Data: slices.Clone(d)}, nil
}

func (l *Log) PutEventIndex(_ context.Context, id string, index int64) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.before("event_index"); err != nil {
		return err
	}
	if _, ok := l.ids[id]; !ok {
		l.ids[id] = index
	}
	return l.after("event_index")
}

func (l *Log) EventIndex(_ context.Context, id string) (int64, bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	i, ok := l.ids[id]
	return i, ok, nil
}

func (l *Log) ScanRecords(_ context.Context, fn func(domain.Record) error) error {
	l.mu.Lock()
	recs := make([]domain.Record, 0, len(l.records))
	for i, d := range l.records {
		recs = append(recs, domain.Record{Index: i, Data: slices.Clone(d)})
	}
	l.mu.Unlock()
	for _, r := range recs {
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

func (l *Log) ScanHashes(_ context.Context, fn func(int64, tlog.Hash) error) error {
	l.mu.Lock()
	type kv struct {
		k int64
		h tlog.Hash
	}
	all := make([]kv, 0, len(l.hashes))
	for k, h := range l.hashes {
		all = append(all, kv{k, h})
	}
	l.mu.Unlock()
	for _, x := range all {
		if err := fn(x.k, x.h); err != nil {
			return err
		}
	}
	return nil
}

// SetHash overwrites a stored tree hash (tests of verification).
func (l *Log) SetHash(index int64, h tlog.Hash) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.hashes[index] = h
}

// Tamper replaces a stored record's bytes (tests of verification).
func (l *Log) Tamper(index int64, data []byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.records[index] = slices.Clone(data)
}

// Delete removes a stored record (tests of verification and repair).
func (l *Log) Delete(index int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.records, index)
}

// ForgetEvent removes an event-id document, as a crash after the record
// write leaves it (tests of repair).
func (l *Log) ForgetEvent(id string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.ids, id)
}

// Checkpoints is an in-memory domain.CheckpointStore.
type Checkpoints struct {
	mu      sync.Mutex
	history map[int64]domain.Checkpoint
	latest  *domain.Checkpoint
	Events  []events.Envelope
}

// NewCheckpoints returns an empty store.
func NewCheckpoints() *Checkpoints {
	return &Checkpoints{history: map[int64]domain.Checkpoint{}}
}

func (c *Checkpoints) Save(_ context.Context, cp domain.Checkpoint, evs ...events.Envelope) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.history[cp.Size]; !ok {
		c.history[cp.Size] = cp
	}
	c.latest = &cp
	c.Events = append(c.Events, evs...)
	return nil
}

func (c *Checkpoints) Latest(context.Context) (domain.Checkpoint, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.latest == nil {
		return domain.Checkpoint{}, domain.ErrNoCheckpoint
	}
	return *c.latest, nil
}

func (c *Checkpoints) Get(_ context.Context, size int64) (domain.Checkpoint, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cp, ok := c.history[size]
	if !ok {
		return domain.Checkpoint{}, domain.ErrCheckpointNotFound
	}
	return cp, nil
}

func (c *Checkpoints) Sizes(context.Context) ([]int64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]int64, 0, len(c.history))
	for s := range c.history {
		out = append(out, s)
	}
	slices.Sort(out)
	return out, nil
}

// Anomalies is an in-memory domain.AnomalyStore.
type Anomalies struct {
	mu     sync.Mutex
	byID   map[string]domain.Anomaly
	Events []events.Envelope
}

// NewAnomalies returns an empty store.
func NewAnomalies() *Anomalies { return &Anomalies{byID: map[string]domain.Anomaly{}} }

func (s *Anomalies) Raise(_ context.Context, a domain.Anomaly, evs ...events.Envelope) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.byID[a.ID]; ok {
		return false, nil
	}
	s.byID[a.ID] = a
	s.Events = append(s.Events, evs...)
	return true, nil
}

func (s *Anomalies) All(context.Context) ([]domain.Anomaly, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]domain.Anomaly, 0, len(s.byID))
	for _, a := range s.byID {
		out = append(out, a)
	}
	return out, nil
}
