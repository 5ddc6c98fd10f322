// Package memory is the in-memory domain.Repository for fast tests; the
// shared repository suite keeps it honest against the Mongo adapter.
package memory

import (
	"context"
	"slices"
	"sort"
	"sync"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/matcher/domain"
)

// Repository keeps documents in maps and the events it was given in order.
type Repository struct {
	mu        sync.Mutex
	hospitals map[string]domain.Hospital
	needs     map[string]domain.Need
	offers    map[string]domain.Offer
	allocs    map[string]domain.Allocation
	stock     map[string]domain.Stock
	// inputs are the events the projections were written from, by
	// collection and id.
	inputs map[string]domain.Input
	events []events.Envelope

	// BeforeInsert, when set, runs before each allocation is stored; an
	// error stops the insert. Tests use it to crash a run midway.
	BeforeInsert func(domain.Allocation) error
	// BeforeUpdate, the same for each change of a stored allocation.
	BeforeUpdate func(domain.Allocation) error
}

// New returns an empty repository.
func New() *Repository {
	return &Repository{
		hospitals: map[string]domain.Hospital{}, needs: map[string]domain.Need{},
		offers: map[string]domain.Offer{}, allocs: map[string]domain.Allocation{},
		stock: map[string]domain.Stock{}, inputs: map[string]domain.Input{},
	}
}

// Events returns every event stored so far, in order.
func (r *Repository) Events() []events.Envelope {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.events)
}

func cloneNeed(n domain.Need) domain.Need {
	n.AcceptedStandards = slices.Clone(n.AcceptedStandards)
	return n
}

// cloneAlloc is what the store keeps of an allocation: of its writer, the
// sequence (as the Mongo adapter).
func cloneAlloc(a domain.Allocation) domain.Allocation {
	a.Shipments = slices.Clone(a.Shipments)
	a.Keys = slices.Clone(a.Keys)
	a.Writer = domain.Writer{Sequence: a.Writer.Sequence}
	return a
}

func (r *Repository) Load(context.Context) (domain.Snapshot, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var s domain.Snapshot
	for _, id := range sortedKeys(r.hospitals) {
		s.Hospitals = append(s.Hospitals, r.hospitals[id])
	}
	for _, id := range sortedKeys(r.needs) {
		s.Needs = append(s.Needs, cloneNeed(r.needs[id]))
	}
	for _, id := range sortedKeys(r.offers) {
		s.Offers = append(s.Offers, r.offers[id])
	}
	for _, id := range sortedKeys(r.allocs) {
		s.Allocations = append(s.Allocations, cloneAlloc(r.allocs[id]))
	}
	for _, id := range sortedKeys(r.stock) {
		s.Stock = append(s.Stock, r.stock[id])
	}
	for _, key := range sortedKeys(r.inputs) {
		s.Inputs = append(s.Inputs, r.inputs[key])
	}
	return s, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func (r *Repository) SaveHospital(_ context.Context, h domain.Hospital, from domain.Input) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if held, ok := r.inputs["hospitals/"+h.ID]; ok && held.Stream == from.Stream && held.Seq > from.Seq {
		return nil
	}
	r.hospitals[h.ID] = h
	r.input("hospitals/"+h.ID, from, "")
	return nil
}

func (r *Repository) SaveNeed(_ context.Context, n domain.Need, from domain.Input) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.needs[n.ID] = cloneNeed(n)
	r.input("needs/"+n.ID, from, n.Item)
	return nil
}

func (r *Repository) SaveOffer(_ context.Context, o domain.Offer, from domain.Input) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.offers[o.ID] = o
	r.input("offers/"+o.ID, from, o.Item)
	return nil
}

func (r *Repository) SaveStock(_ context.Context, s domain.Stock, from domain.Input) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stock[s.Key()] = s
	r.input("stock/"+s.Key(), from, s.Item)
	return nil
}

// input records what a projection was written from. The caller holds r.mu.
func (r *Repository) input(key string, from domain.Input, item string) {
	from.Item = item
	r.inputs[key] = from
}

func (r *Repository) InsertAllocation(_ context.Context, a domain.Allocation, evs ...events.Envelope) error {
	r.mu.Lock()
	hook := r.BeforeInsert
	r.mu.Unlock()
	if hook != nil {
		if err := hook(a); err != nil {
			return err
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.allocs[a.ID]; ok {
		return domain.ErrAllocationExists
	}
	r.allocs[a.ID] = cloneAlloc(a)
	r.events = append(r.events, evs...)
	return nil
}

func (r *Repository) UpdateAllocation(_ context.Context, a domain.Allocation, evs ...events.Envelope) error {
	r.mu.Lock()
	hook := r.BeforeUpdate
	r.mu.Unlock()
	if hook != nil {
		if err := hook(a); err != nil {
			return err
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.allocs[a.ID]; !ok {
		return domain.ErrAllocationNotFound
	}
	r.allocs[a.ID] = cloneAlloc(a)
	r.events = append(r.events, evs...)
	return nil
}

func (r *Repository) GetAllocation(_ context.Context, id string) (domain.Allocation, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	a, ok := r.allocs[id]
	if !ok {
		return domain.Allocation{}, domain.ErrAllocationNotFound
	}
	return cloneAlloc(a), nil
}
