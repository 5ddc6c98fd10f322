package domain

import (
	"time"

	"github.com/aidflow/aidflow/contracts/events"
)

// Index is the in-memory index of the log that serves filtered queries:
// the embedded store cannot filter on anything but _id without reading the
// whole collection, so the filterable fields of every record (type,
// organization, item, time) are kept here, about 24 bytes a record, and
// only the matching records are then read by _id.
//
// Index is not safe for concurrent use; app.App guards it.
type Index struct {
	syms    []string
	symOf   map[string]uint32
	entries []entry
}

type entry struct {
	typ, org, item uint32 // symbols; 0 is "" (and, for typ, "no record")
	time           int64  // unix nanoseconds
}

// NewIndex returns an empty index.
func NewIndex() *Index {
	return &Index{syms: []string{""}, symOf: map[string]uint32{"": 0}}
}

func (x *Index) sym(s string) uint32 {
	if id, ok := x.symOf[s]; ok {
		return id
	}
	id := uint32(len(x.syms))
	x.syms = append(x.syms, s)
	x.symOf[s] = id
	return id
}

// Set indexes the event recorded at index, growing the index as needed
// (records load in any order).
func (x *Index) Set(index int64, e events.Envelope) {
	for int64(len(x.entries)) <= index {
		x.entries = append(x.entries, entry{})
	}
	x.entries[index] = entry{typ: x.sym(e.Type), org: x.sym(e.OrgID), item: x.sym(e.Item), time: e.Time.UnixNano()}
}

// Len is one past the highest index set.
func (x *Index) Len() int64 { return int64(len(x.entries)) }

// Query selects records; empty fields select all.
type Query struct {
	Type  string
	OrgID string
	Item  string
	// Since keeps events whose time is at or after it.
	Since time.Time
	// After is the last index already returned; -1 starts at the beginning.
	After int64
	// Limit bounds the answer.
	Limit int
}

// Find returns the indexes of up to q.Limit matching records after q.After,
// in log order.
func (x *Index) Find(q Query) []int64 {
	// A value never seen matches nothing; look it up without interning it.
	want := func(s string) (uint32, bool) {
		if s == "" {
			return 0, true
		}
		id, ok := x.symOf[s]
		return id, ok
	}
	typ, ok1 := want(q.Type)
	org, ok2 := want(q.OrgID)
	item, ok3 := want(q.Item)
	if !ok1 || !ok2 || !ok3 || q.Limit <= 0 {
		return nil
	}
	var since int64
	if !q.Since.IsZero() {
		since = q.Since.UnixNano()
	}
	var out []int64
	for i := max(q.After+1, 0); i < int64(len(x.entries)) && len(out) < q.Limit; i++ {
		e := x.entries[i]
		switch {
		case e.typ == 0: // a hole: a record missing from the store
		case q.Type != "" && e.typ != typ:
		case q.OrgID != "" && e.org != org:
		case q.Item != "" && e.item != item:
		case since != 0 && e.time < since:
		default:
			out = append(out, i)
		}
	}
	return out
}
