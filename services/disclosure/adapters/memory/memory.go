// Package memory is the in-memory domain.Store for fast tests; the shared
// suite (adapters/adapterstest) keeps it honest against the Mongo adapter.
package memory

import (
	"context"
	"slices"
	"strings"
	"sync"

	"github.com/aidflow/aidflow/services/disclosure/domain"
	"github.com/aidflow/aidflow/shared/apperr"
)

// Store keeps the read model's documents in maps. Fail, when set, makes
// the next writes fail with its error.
type Store struct {
	mu          sync.Mutex
	orgs        map[string]domain.Org
	needs       map[string]domain.Need
	capacities  map[string]domain.Capacity
	donations   map[string]domain.Donation
	allocations map[string]domain.Allocation
	snapshots   map[string]domain.Snapshot
	corrections map[string]domain.Correction
	Fail        error
}

// New returns an empty store.
func New() *Store {
	return &Store{orgs: map[string]domain.Org{}, needs: map[string]domain.Need{}, capacities: map[string]domain.Capacity{},
		donations: map[string]domain.Donation{}, allocations: map[string]domain.Allocation{}, snapshots: map[string]domain.Snapshot{}, corrections: map[string]domain.Correction{}}
}

func put[T any](s *Store, m map[string]T, id string, v T) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.Fail != nil {
		return s.Fail
	}
	m[id] = v
	return nil
}

func (s *Store) PutOrg(_ context.Context, o domain.Org) error { return put(s, s.orgs, o.ID, o) }
func (s *Store) PutNeed(_ context.Context, n domain.Need) error {
	return put(s, s.needs, n.ID, n)
}
func (s *Store) PutCapacity(_ context.Context, c domain.Capacity) error {
	return put(s, s.capacities, c.ID, c)
}
func (s *Store) PutDonation(_ context.Context, d domain.Donation) error {
	d.Offers = slices.Clone(d.Offers)
	return put(s, s.donations, d.ID, d)
}
func (s *Store) PutAllocation(_ context.Context, a domain.Allocation) error {
	a.Shipments = slices.Clone(a.Shipments)
	return put(s, s.allocations, a.ID, a)
}

func (s *Store) Load(context.Context) (*domain.Model, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := domain.NewModel()
	for _, o := range s.orgs {
		m.SetOrg(o)
	}
	for _, n := range s.needs {
		m.SetNeed(n)
	}
	for _, c := range s.capacities {
		m.SetCapacity(c)
	}
	for _, d := range s.donations {
		d.Offers = slices.Clone(d.Offers)
		m.SetDonation(d)
	}
	for _, a := range s.allocations {
		a.Shipments = slices.Clone(a.Shipments)
		m.SetAllocation(a)
	}
	for _, c := range s.corrections {
		c.Fields = slices.Clone(c.Fields)
		m.SetCorrection(c)
	}
	return m, nil
}

func (s *Store) PutSnapshot(_ context.Context, sn domain.Snapshot) error {
	sn.Summary, sn.Regions, sn.Flows = slices.Clone(sn.Summary), slices.Clone(sn.Regions), slices.Clone(sn.Flows)
	return put(s, s.snapshots, sn.Date, sn)
}

func (s *Store) GetSnapshot(_ context.Context, date string) (domain.Snapshot, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sn, ok := s.snapshots[date]
	if !ok {
		return domain.Snapshot{}, apperr.New(apperr.NotFound, "no snapshot dated %s", date)
	}
	sn.Summary, sn.Regions, sn.Flows = slices.Clone(sn.Summary), slices.Clone(sn.Regions), slices.Clone(sn.Flows)
	return sn, nil
}

func (s *Store) ListSnapshots(context.Context) ([]domain.SnapshotInfo, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]domain.SnapshotInfo, 0, len(s.snapshots))
	for _, sn := range s.snapshots {
		out = append(out, sn.Info())
	}
	slices.SortFunc(out, func(a, b domain.SnapshotInfo) int { return strings.Compare(a.Date, b.Date) })
	return out, nil
}

func (s *Store) PutCorrection(_ context.Context, c domain.Correction) error {
	c.Fields = slices.Clone(c.Fields)
	return put(s, s.corrections, c.ID, c)
}
