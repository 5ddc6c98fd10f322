package app

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aidflow/aidflow/services/demand/domain"
	"github.com/aidflow/aidflow/shared/apperr"
)

// Index is the in-memory read model that serves lists and the stale sweep.
//
// The embedded store (FerretDB on SQLite) uses an index only for a filter
// that is exactly {_id: x}; a list filtered by hospital, status or item
// would decode the whole collection on every request. So the repository
// answers by id only, and this index, loaded with one read at start and
// kept current after every write and applied event, answers the rest.
// It holds whole needs (a few hundred bytes each), so a page costs no
// database read at all.
//
// It assumes one demand instance writes the database (see the README's
// decision record "One writer, an in-memory list index").
type Index struct {
	mu         sync.RWMutex
	byID       map[string]*entry
	all        []*entry // ascending by listKey; lists walk it backwards
	byHospital map[string][]*entry
}

type entry struct {
	key  string
	need domain.Need
}

// NewIndex returns an empty index.
func NewIndex() *Index {
	return &Index{byID: map[string]*entry{}, byHospital: map[string][]*entry{}}
}

// listKey orders needs by creation time, then id; lists show the largest
// key first (newest first). Fixed-width nanoseconds make the string order
// the time order.
func listKey(n domain.Need) string {
	return fmt.Sprintf("%020d/%s", n.CreatedAt.UnixNano(), n.ID)
}

func validKey(k string) bool {
	ts, id, ok := strings.Cut(k, "/")
	return ok && len(ts) == 20 && strings.Trim(ts, "0123456789") == "" && id != ""
}

func compareEntries(a, b *entry) int { return cmp.Compare(a.key, b.key) }

// Reset replaces the contents with needs, sorting once (loading at start).
func (x *Index) Reset(needs []domain.Need) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.byID = make(map[string]*entry, len(needs))
	x.all = make([]*entry, 0, len(needs))
	x.byHospital = map[string][]*entry{}
	for _, n := range needs {
		if old, ok := x.byID[n.ID]; ok {
			if n.Revision > old.need.Revision {
				old.need = n.Clone()
			}
			continue
		}
		e := &entry{key: listKey(n), need: n.Clone()}
		x.byID[n.ID] = e
		x.all = append(x.all, e)
		x.byHospital[n.HospitalID] = append(x.byHospital[n.HospitalID], e)
	}
	slices.SortFunc(x.all, compareEntries)
	for _, es := range x.byHospital {
		slices.SortFunc(es, compareEntries)
	}
}

// Put adds a need or replaces the one held, unless the one held is of a
// later revision (two writes to one need may finish in either order).
func (x *Index) Put(n domain.Need) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if e, ok := x.byID[n.ID]; ok {
		if n.Revision > e.need.Revision {
			e.need = n.Clone()
		}
		return
	}
	e := &entry{key: listKey(n), need: n.Clone()}
	x.byID[n.ID] = e
	x.all = insertSorted(x.all, e)
	x.byHospital[n.HospitalID] = insertSorted(x.byHospital[n.HospitalID], e)
}

// insertSorted inserts e in order; new needs are the newest, so this is
// nearly always an append.
func insertSorted(es []*entry, e *entry) []*entry {
	i, _ := slices.BinarySearchFunc(es, e, compareEntries)
	return slices.Insert(es, i, e)
}

// Len returns how many needs the index holds.
func (x *Index) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.all)
}

// List returns up to limit needs that pass f, newest first, after the
// cursor key (empty: from the newest), and the key to continue from
// (empty on the last page).
func (x *Index) List(f domain.ListFilter, after string, limit int) ([]domain.Need, string, error) {
	if after != "" && !validKey(after) {
		return nil, "", &apperr.Error{Code: apperr.Invalid, Message: "cursor is not one this server gave out",
			Fields: []apperr.FieldError{{Field: "cursor", Message: "pass back the 'next' value of the previous page unchanged"}}}
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	es := x.all
	if f.HospitalID != "" {
		es = x.byHospital[f.HospitalID]
	}
	end := len(es)
	if after != "" {
		end, _ = slices.BinarySearchFunc(es, after, func(e *entry, k string) int { return cmp.Compare(e.key, k) })
	}
	out := []domain.Need{}
	for i := end - 1; i >= 0; i-- {
		e := es[i]
		if !f.Match(e.need) {
			continue
		}
		if len(out) == limit {
			return out, listKey(out[len(out)-1]), nil
		}
		out = append(out, e.need.Clone())
	}
	return out, "", nil
}

// DueStale returns the ids of needs the stale rule applies to now.
func (x *Index) DueStale(now time.Time, after time.Duration) []string {
	x.mu.RLock()
	defer x.mu.RUnlock()
	var ids []string
	for _, e := range x.all {
		if e.need.DueStale(now, after) {
			ids = append(ids, e.need.ID)
		}
	}
	return ids
}

// Held sums what a hospital's open needs for an item still hold against
// the anti-hoarding limit (domain.Need.Holds).
func (x *Index) Held(hospitalID, item string) int64 {
	x.mu.RLock()
	defer x.mu.RUnlock()
	var held int64
	for _, e := range x.byHospital[hospitalID] {
		if e.need.Item == item {
			held += e.need.Holds()
		}
	}
	return held
}

// Get returns the need held under id.
func (x *Index) Get(id string) (domain.Need, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	e, ok := x.byID[id]
	if !ok {
		return domain.Need{}, false
	}
	return e.need.Clone(), true
}

// Daily adds up the day figures of the needs that pass keep, for dates
// (ascending; domain.Daily), under the read lock and without copying the
// needs out.
func (x *Index) Daily(dates []string, keep func(*domain.Need) bool) []domain.DailyRow {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return domain.Daily(dates, func(yield func(*domain.Need) bool) {
		for _, e := range x.all {
			if keep(&e.need) && !yield(&e.need) {
				return
			}
		}
	})
}
