// Package memory holds the in-memory repositories for fast tests; the
// shared suite (adapters/adapterstest) keeps them honest against Mongo.
package memory

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/donation/domain"
)

// Donations keeps donations and codes in maps and the events it was given
// in order.
type Donations struct {
	mu        sync.Mutex
	codes     map[string]string
	donations map[string]domain.Donation
	events    []events.Envelope
}

// NewDonations returns an empty repository.
func NewDonations() *Donations {
	return &Donations{codes: map[string]string{}, donations: map[string]domain.Donation{}}
}

// Events returns the events stored so far, oldest first.
func (r *Donations) Events() []events.Envelope {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.events)
}

func (r *Donations) ReserveCode(_ context.Context, code, donationID string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.codes[code]; ok {
		return domain.ErrCodeTaken
	}
	r.codes[code] = donationID
	return nil
}

func (r *Donations) DonationOfCode(_ context.Context, code string) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	id, ok := r.codes[code]
	if !ok {
		return "", domain.ErrCodeNotFound
	}
	return id, nil
}

func (r *Donations) Create(_ context.Context, d domain.Donation, evs ...events.Envelope) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.donations[d.ID]; ok {
		return domain.ErrExists
	}
	r.donations[d.ID] = d.Clone()
	r.events = append(r.events, evs...)
	return nil
}

func (r *Donations) Get(_ context.Context, id string) (domain.Donation, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	d, ok := r.donations[id]
	if !ok {
		return domain.Donation{}, domain.ErrDonationNotFound
	}
	return d.Clone(), nil
}

func (r *Donations) Update(_ context.Context, id string, change func(*domain.Donation) ([]events.Envelope, error)) (domain.Donation, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	cur, ok := r.donations[id]
	if !ok {
		return domain.Donation{}, domain.ErrDonationNotFound
	}
	d := cur.Clone()
	evs, err := change(&d)
	if errors.Is(err, domain.ErrNoChange) {
		return cur.Clone(), nil
	}
	if err != nil {
		return domain.Donation{}, err
	}
	r.donations[id] = d.Clone()
	r.events = append(r.events, evs...)
	return d, nil
}

func (r *Donations) DueDirected(_ context.Context, now time.Time) ([]string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	ids := []string{}
	for id, d := range r.donations {
		if d.Watched() && !d.DueAt().After(now) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids, nil
}

// Orgs keeps organizations in a map.
type Orgs struct {
	mu   sync.Mutex
	orgs map[string]domain.Org
}

// NewOrgs returns an empty view.
func NewOrgs() *Orgs { return &Orgs{orgs: map[string]domain.Org{}} }

func (r *Orgs) Put(_ context.Context, o domain.Org) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.orgs[o.ID] = o
	return nil
}

func (r *Orgs) Get(_ context.Context, id string) (domain.Org, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	o, ok := r.orgs[id]
	if !ok {
		return domain.Org{}, domain.ErrOrgNotFound
	}
	return o, nil
}
