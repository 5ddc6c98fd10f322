package domain

import (
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/contracts/regions"
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
	// correctedBy maps a record to the records that correct it
	// (record_corrected events), in log order.
	correctedBy map[int64][]int64
}

type entry struct {
	typ, org, item uint32 // symbols; 0 is "" (and, for typ, "no record")
	time           int64  // unix nanoseconds
	// regions and parties the event's data names (Facets), 0 when fewer.
	regions [MaxRegions]uint32
	parties [MaxParties]uint32
}

// MaxRegions and MaxParties bound what one record is indexed under: an
// allocation names two regions (hospital and source) and, with the
// envelope's organization, at most three parties.
const (
	MaxRegions = 2
	MaxParties = 3
)

// regionKeys and partyKeys are the data fields that name a region or an
// organization, across every event type (contracts/events).
var (
	regionKeys = []string{"region", "hospital_region", "source_region", "directed_region"}
	partyKeys  = []string{"org_id", "hospital_id", "source_org_id", "manufacturer_id", "donor_id", "directed_hospital_id"}
)

// Facets returns the regions and the organizations an event concerns:
// the region fields of its data, and its envelope organization followed by
// the organization fields of its data, each without repeats.
func Facets(e events.Envelope) (regionCodes, parties []string) {
	var data map[string]json.RawMessage
	_ = json.Unmarshal(e.Data, &data) // data that is not an object names none
	str := func(k string) string {
		var v string
		if raw, ok := data[k]; ok && json.Unmarshal(raw, &v) == nil {
			return v
		}
		return ""
	}
	add := func(out []string, v string, limit int) []string {
		if v == "" || len(out) == limit {
			return out
		}
		for _, x := range out {
			if x == v {
				return out
			}
		}
		return append(out, v)
	}
	for _, k := range regionKeys {
		regionCodes = add(regionCodes, str(k), MaxRegions)
	}
	parties = add(parties, e.OrgID, MaxParties)
	for _, k := range partyKeys {
		parties = add(parties, str(k), MaxParties)
	}
	return regionCodes, parties
}

// NewIndex returns an empty index.
func NewIndex() *Index {
	return &Index{syms: []string{""}, symOf: map[string]uint32{"": 0}, correctedBy: map[int64][]int64{}}
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
	en := entry{typ: x.sym(e.Type), org: x.sym(e.OrgID), item: x.sym(e.Item), time: e.Time.UnixNano()}
	regs, parties := Facets(e)
	for i, r := range regs {
		en.regions[i] = x.sym(r)
	}
	for i, p := range parties {
		en.parties[i] = x.sym(p)
	}
	x.entries[index] = en
	if e.Type == events.RecordCorrectedType {
		var c events.RecordCorrected
		if e.Decode(&c) == nil && !slices.Contains(x.correctedBy[c.CorrectsIndex], index) {
			x.correctedBy[c.CorrectsIndex] = append(x.correctedBy[c.CorrectsIndex], index)
			slices.Sort(x.correctedBy[c.CorrectsIndex])
		}
	}
}

// CorrectedBy returns the indexes of the records that correct the record
// at index, in log order.
func (x *Index) CorrectedBy(index int64) []int64 { return slices.Clone(x.correctedBy[index]) }

// Len is one past the highest index set.
func (x *Index) Len() int64 { return int64(len(x.entries)) }

// Query selects records; empty fields select all.
type Query struct {
	Type  string
	OrgID string
	Item  string
	// Party keeps events that concern an organization: as the envelope's
	// organization or named in the data (a per-organization history).
	Party string
	// Region keeps events whose data names the region; a province code
	// (two digits and "0000") keeps every region in the province.
	Region string
	// Since keeps events whose time is at or after it; Until, before it.
	Since, Until time.Time
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
	party, ok4 := want(q.Party)
	if !ok1 || !ok2 || !ok3 || !ok4 || q.Limit <= 0 {
		return nil
	}
	var regionSet map[uint32]bool
	if q.Region != "" {
		regionSet = x.regionSymbols(q.Region)
		if len(regionSet) == 0 {
			return nil
		}
	}
	var since, until int64
	if !q.Since.IsZero() {
		since = q.Since.UnixNano()
	}
	if !q.Until.IsZero() {
		until = q.Until.UnixNano()
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
		case until != 0 && e.time >= until:
		case q.Party != "" && !has(e.parties[:], party):
		case regionSet != nil && !regionSet[e.regions[0]] && !regionSet[e.regions[1]]:
		default:
			out = append(out, i)
		}
	}
	return out
}

func has(syms []uint32, s uint32) bool {
	for _, x := range syms {
		if x == s {
			return true
		}
	}
	return false
}

// regionSymbols is the set of symbols a region filter matches: the code
// itself and, for a province, every code in it.
func (x *Index) regionSymbols(code string) map[uint32]bool {
	out := map[uint32]bool{}
	if id, ok := x.symOf[code]; ok {
		out[id] = true
	}
	if strings.HasSuffix(code, "0000") && regions.ProvinceOf(code) == code {
		for id, s := range x.syms {
			if id > 0 && regions.ProvinceOf(s) == code {
				out[uint32(id)] = true
			}
		}
	}
	return out
}
