// Package memory is the in-memory domain.Repository for fast tests; the
// shared repository suite (adapters/adapterstest) keeps it honest against
// the Mongo adapter.
package memory

import (
	"context"
	"errors"
	"slices"
	"sync"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/supply/domain"
)

// Capacities keeps reports in a map and the events it was given in order.
type Capacities struct {
	mu     sync.Mutex
	byID   map[string]domain.Capacity
	events []events.Envelope
}

// NewCapacities returns an empty repository.
func NewCapacities() *Capacities { return &Capacities{byID: map[string]domain.Capacity{}} }

// Events returns the events stored so far, oldest first.
func (r *Capacities) Events() []events.Envelope {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.events)
}

func (r *Capacities) Get(_ context.Context, id string) (domain.Capacity, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c, ok := r.byID[id]
	if !ok {
		return domain.Capacity{}, domain.ErrCapacityNotFound
	}
	return c.Clone(), nil
}

func (r *Capacities) Upsert(_ context.Context, id string, change func(*domain.Capacity, bool) ([]events.Envelope, error)) (domain.Capacity, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	cur, ok := r.byID[id]
	if !ok {
		cur = domain.Capacity{ID: id}
	}
	c := cur.Clone()
	evs, err := change(&c, !ok)
	if errors.Is(err, domain.ErrNoChange) {
		if !ok {
			return domain.Capacity{}, domain.ErrCapacityNotFound
		}
		return cur.Clone(), nil
	}
	if err != nil {
		return domain.Capacity{}, err
	}
	r.byID[id] = c.Clone()
	r.events = append(r.events, evs...)
	return c, nil
}

func (r *Capacities) List(_ context.Context, f domain.Filter, after string, limit int) ([]domain.Capacity, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var ids []string
	for id, c := range r.byID {
		if id > after && f.Match(c) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	out := []domain.Capacity{}
	for _, id := range ids[:min(limit, len(ids))] {
		out = append(out, r.byID[id].Compact())
	}
	return out, nil
}
