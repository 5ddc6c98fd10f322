// Package memory is the in-memory domain.Repository, for tests; it passes
// the same suite as the MongoDB one (adapterstest).
package memory

import (
	"context"
	"maps"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/aidflow/aidflow/services/notify/domain"
)

// Repository is an in-memory domain.Repository.
type Repository struct {
	mu      sync.Mutex
	subs    map[string]domain.Subscription
	dels    map[string]domain.Delivery
	queued  map[queuePos]string
	feeds   map[string][]domain.FeedEntry
	seqs    map[string]int64
	watches map[string]domain.Watch
}

type queuePos struct {
	sub string
	pos int64
}

// New returns an empty repository.
func New() *Repository {
	return &Repository{subs: map[string]domain.Subscription{}, dels: map[string]domain.Delivery{}, queued: map[queuePos]string{},
		feeds: map[string][]domain.FeedEntry{}, seqs: map[string]int64{}, watches: map[string]domain.Watch{}}
}

func cloneSub(s domain.Subscription) domain.Subscription {
	s.Events, s.Recent = slices.Clone(s.Events), slices.Clone(s.Recent)
	return s
}

func cloneDel(d domain.Delivery) domain.Delivery {
	d.Body, d.Attempts = slices.Clone(d.Body), slices.Clone(d.Attempts)
	return d
}

func (r *Repository) CreateSubscription(_ context.Context, s domain.Subscription) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.subs[s.ID] = cloneSub(s)
	return nil
}

func (r *Repository) Subscription(_ context.Context, id string) (domain.Subscription, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s, ok := r.subs[id]
	if !ok {
		return domain.Subscription{}, domain.ErrSubscriptionNotFound
	}
	return cloneSub(s), nil
}

func (r *Repository) Subscriptions(context.Context) ([]domain.Subscription, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]domain.Subscription, 0, len(r.subs))
	for _, id := range slices.Sorted(maps.Keys(r.subs)) {
		out = append(out, cloneSub(r.subs[id]))
	}
	return out, nil
}

func (r *Repository) UpdateSubscription(_ context.Context, id string, change func(*domain.Subscription) error) (domain.Subscription, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s, ok := r.subs[id]
	if !ok {
		return domain.Subscription{}, domain.ErrSubscriptionNotFound
	}
	s = cloneSub(s)
	if err := change(&s); err != nil {
		return domain.Subscription{}, err
	}
	r.subs[id] = cloneSub(s)
	return s, nil
}

func (r *Repository) DeleteSubscription(_ context.Context, id string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	s, ok := r.subs[id]
	if !ok {
		return domain.ErrSubscriptionNotFound
	}
	for pos := s.Head(); pos <= s.Queued; pos++ {
		delete(r.dels, r.queued[queuePos{id, pos}])
		delete(r.queued, queuePos{id, pos})
	}
	for _, d := range s.Recent {
		delete(r.dels, d)
	}
	delete(r.subs, id)
	return nil
}

func (r *Repository) AddDelivery(_ context.Context, d domain.Delivery) (bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.dels[d.ID]; ok {
		return false, nil
	}
	r.dels[d.ID] = cloneDel(d)
	return true, nil
}

func (r *Repository) Delivery(_ context.Context, id string) (domain.Delivery, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	d, ok := r.dels[id]
	if !ok {
		return domain.Delivery{}, domain.ErrDeliveryNotFound
	}
	return cloneDel(d), nil
}

func (r *Repository) SaveDelivery(_ context.Context, d domain.Delivery) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.dels[d.ID]; !ok {
		return domain.ErrDeliveryNotFound
	}
	r.dels[d.ID] = cloneDel(d)
	return nil
}

func (r *Repository) DeleteDelivery(_ context.Context, id string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.dels, id)
	return nil
}

func (r *Repository) PutQueued(_ context.Context, sub string, pos int64, deliveryID string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.queued[queuePos{sub, pos}] = deliveryID
	return nil
}

func (r *Repository) QueuedAt(_ context.Context, sub string, pos int64) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	id, ok := r.queued[queuePos{sub, pos}]
	if !ok {
		return "", domain.ErrDeliveryNotFound
	}
	return id, nil
}

func (r *Repository) DeleteQueued(_ context.Context, sub string, pos int64) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.queued, queuePos{sub, pos})
	return nil
}

func (r *Repository) AppendFeed(_ context.Context, key string, n domain.Notification, max int) (domain.FeedEntry, bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range r.feeds[key] {
		if e.Notification.ID == n.ID {
			return e, false, nil
		}
	}
	r.seqs[key]++
	e := domain.FeedEntry{Seq: r.seqs[key], Notification: n}
	f := append(r.feeds[key], e)
	if len(f) > max {
		f = slices.Clone(f[len(f)-max:])
	}
	r.feeds[key] = f
	return e, true, nil
}

func (r *Repository) FeedSince(_ context.Context, key string, seq int64) ([]domain.FeedEntry, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []domain.FeedEntry
	for _, e := range r.feeds[key] {
		if e.Seq > seq {
			out = append(out, e)
		}
	}
	return out, nil
}

func (r *Repository) PutWatch(_ context.Context, w domain.Watch) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.watches[w.AllocationID] = w
	return nil
}

func (r *Repository) DeleteWatch(_ context.Context, id string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.watches, id)
	return nil
}

func (r *Repository) WatchesDue(_ context.Context, t time.Time) ([]domain.Watch, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []domain.Watch
	for _, w := range r.watches {
		if !w.ExpiresAt.After(t) {
			out = append(out, w)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].AllocationID < out[j].AllocationID })
	return out, nil
}
