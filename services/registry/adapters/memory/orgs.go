// Package memory is the in-memory domain.Repository for fast tests; the
// shared repository suite keeps it honest against the Mongo adapter.
package memory

import (
	"context"
	"slices"
	"sync"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/registry/domain"
)

// Orgs keeps organizations in a map and the events it was given in order.
type Orgs struct {
	mu     sync.Mutex
	orgs   map[string]domain.Org
	Events []events.Envelope
}

// NewOrgs returns an empty repository.
func NewOrgs() *Orgs { return &Orgs{orgs: map[string]domain.Org{}} }

func clone(o domain.Org) domain.Org {
	o.Tokens = slices.Clone(o.Tokens)
	return o
}

func (r *Orgs) Create(_ context.Context, o domain.Org, evs ...events.Envelope) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.orgs[o.ID]; ok {
		return domain.ErrOrgExists
	}
	r.orgs[o.ID] = clone(o)
	r.Events = append(r.Events, evs...)
	return nil
}

func (r *Orgs) Get(_ context.Context, id string) (domain.Org, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	o, ok := r.orgs[id]
	if !ok {
		return domain.Org{}, domain.ErrOrgNotFound
	}
	return clone(o), nil
}

func (r *Orgs) Update(_ context.Context, id string, change func(*domain.Org) ([]events.Envelope, error)) (domain.Org, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	o, ok := r.orgs[id]
	if !ok {
		return domain.Org{}, domain.ErrOrgNotFound
	}
	o = clone(o)
	evs, err := change(&o)
	if err != nil {
		return domain.Org{}, err
	}
	r.orgs[id] = clone(o)
	r.Events = append(r.Events, evs...)
	return o, nil
}

func (r *Orgs) List(_ context.Context, after string, limit int) ([]domain.Org, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var ids []string
	for id := range r.orgs {
		if id > after {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	out := []domain.Org{}
	for _, id := range ids[:min(limit, len(ids))] {
		out = append(out, clone(r.orgs[id]))
	}
	return out, nil
}
