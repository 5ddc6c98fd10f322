// Package keymutex serialises work per key (an aggregate id) inside one
// process. Aidflow's embedded store can only address documents by _id (see
// shared/embedstore), so read-modify-write of one aggregate is guarded here
// rather than with a version filter, which FerretDB would answer by scanning
// the whole collection.
package keymutex

import "sync"

// Map holds one mutex per key while someone holds or waits for it.
type Map struct {
	mu    sync.Mutex
	locks map[string]*entry
}

type entry struct {
	mu   sync.Mutex
	refs int
}

// Lock locks key and returns its unlock function.
func (m *Map) Lock(key string) (unlock func()) {
	m.mu.Lock()
	if m.locks == nil {
		m.locks = make(map[string]*entry)
	}
	e := m.locks[key]
	if e == nil {
		e = &entry{}
		m.locks[key] = e
	}
	e.refs++
	m.mu.Unlock()

	e.mu.Lock()
	return func() {
		e.mu.Unlock()
		m.mu.Lock()
		e.refs--
		if e.refs == 0 {
			delete(m.locks, key)
		}
		m.mu.Unlock()
	}
}
