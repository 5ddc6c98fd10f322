// Package memory is the in-memory domain.Repository for fast tests; the
// shared repository suite (adapters/adapterstest) keeps it honest against
// the Mongo adapter.
package memory

import (
	"context"
	"errors"
	"sync"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/demand/domain"
)

// Needs keeps needs in a map and the events it was given in order.
type Needs struct {
	mu     sync.Mutex
	needs  map[string]domain.Need
	events []events.Envelope
}

// NewNeeds returns an empty repository.
func NewNeeds() *Needs { return &Needs{needs: map[string]domain.Need{}} }

func (r *Needs) Create(_ context.Context, n domain.Need, evs ...events.Envelope) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.needs[n.ID]; ok {
		return domain.ErrNeedExists
	}
	r.needs[n.ID] = n.Clone()
	r.events = append(r.events, evs...)
	return nil
}

func (r *Needs) Get(_ context.Context, id string) (domain.Need, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	n, ok := r.needs[id]
	if !ok {
		return domain.Need{}, domain.ErrNeedNotFound
	}
	return n.Clone(), nil
}

func (r *Needs) Update(_ context.Context, id string, change func(*domain.Need) ([]events.Envelope, error)) (domain.Need, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	n, ok := r.needs[id]
	if !ok {
		return domain.Need{}, domain.ErrNeedNotFound
	}
	n = n.Clone()
	read := n.Clone()
	evs, err := change(&n)
	if errors.Is(err, domain.ErrUnchanged) {
		return read, nil
	}
	if err != nil {
		return domain.Need{}, err
	}
	n.Revision++
	r.needs[id] = n.Clone()
	r.events = append(r.events, evs...)
	return n, nil
}

func (r *Needs) All(_ context.Context, f func(domain.Need) error) error {
	r.mu.Lock()
	all := make([]domain.Need, 0, len(r.needs))
	for _, n := range r.needs {
		all = append(all, n.Clone())
	}
	r.mu.Unlock()
	for _, n := range all {
		if err := f(n); err != nil {
			return err
		}
	}
	return nil
}

// Events returns the events stored so far, in order.
func (r *Needs) Events() []events.Envelope {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]events.Envelope(nil), r.events...)
}
