// Package mongo stores notify's state in MongoDB. Every read and write on
// a hot path addresses one document by _id (the embedded store uses no
// other index; DESIGN.md, gotchas): subscriptions and expiry watches are
// small sets loaded once at start and kept in memory; a delivery is one
// document (_id = its id); a subscription's queue is one small document
// per position (_id = subscription id + "#" + zero-padded position), the
// subscription holding only the first and last positions; a live feed is
// a head document and one document per entry.
package mongo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/aidflow/aidflow/services/notify/domain"
	"github.com/aidflow/aidflow/shared/keymutex"
	"github.com/aidflow/aidflow/shared/mongox"
)

// Collections notify owns.
const (
	Subscriptions = "webhooks"
	Deliveries    = "deliveries"
	Queue         = "delivery_queue"
	Feeds         = "feeds"
	FeedEntries   = "feed_entries"
	Watches       = "expiry_watches"
)

// Collections lists them, for EnsureCollections.
var Collections = []string{Subscriptions, Deliveries, Queue, Feeds, FeedEntries, Watches}

// Repository is the MongoDB domain.Repository.
type Repository struct {
	subs, dels, queue, feeds, entries, watches *mongo.Collection
	locks                                      keymutex.Map

	mu         sync.RWMutex
	subIndex   map[string]domain.Subscription
	watchIndex map[string]domain.Watch
}

// New opens the repository on db and loads subscriptions and watches.
func New(ctx context.Context, db *mongo.Database) (*Repository, error) {
	if err := mongox.EnsureCollections(ctx, db, Collections...); err != nil {
		return nil, err
	}
	r := &Repository{subs: db.Collection(Subscriptions), dels: db.Collection(Deliveries), queue: db.Collection(Queue), feeds: db.Collection(Feeds),
		entries: db.Collection(FeedEntries), watches: db.Collection(Watches), subIndex: map[string]domain.Subscription{}, watchIndex: map[string]domain.Watch{}}
	var legacy []subDoc
	if err := loadAll(ctx, r.subs, func(d subDoc) {
		r.subIndex[d.ID] = d.subscription()
		if len(d.LegacyPending) > 0 {
			legacy = append(legacy, d)
		}
	}); err != nil {
		return nil, err
	}
	for _, d := range legacy {
		if err := r.migrateQueue(ctx, d); err != nil {
			return nil, err
		}
	}
	if err := loadAll(ctx, r.watches, func(d watchDoc) { r.watchIndex[d.ID] = d.watch() }); err != nil {
		return nil, err
	}
	return r, nil
}

func loadAll[D any](ctx context.Context, c *mongo.Collection, put func(D)) error {
	return mongox.Each(ctx, c, bson.D{}, func(d D) error { put(d); return nil })
}

func replace(ctx context.Context, c *mongo.Collection, id string, doc any) error {
	_, err := c.ReplaceOne(ctx, bson.D{{Key: "_id", Value: id}}, doc, options.Replace().SetUpsert(true))
	return err
}

// ---- subscriptions ----

type subDoc struct {
	ID                  string    `bson:"_id"`
	OrgID               string    `bson:"org_id"`
	Role                string    `bson:"role"`
	URL                 string    `bson:"url"`
	Events              []string  `bson:"events"`
	Secret              string    `bson:"secret"`
	Status              string    `bson:"status"`
	PausedReason        string    `bson:"paused_reason,omitempty"`
	ConsecutiveFailures int       `bson:"consecutive_failures"`
	LastStatus          int       `bson:"last_status,omitempty"`
	LastError           string    `bson:"last_error,omitempty"`
	LastAttemptAt       time.Time `bson:"last_attempt_at,omitempty"`
	Queued              int64     `bson:"queued"`
	Finished            int64     `bson:"finished"`
	Recent              []string  `bson:"recent"`
	// LegacyPending is the queue as an earlier version kept it: the ids
	// in the subscription's own document (migrated at start).
	LegacyPending []string  `bson:"pending,omitempty"`
	Dropped       int64     `bson:"dropped,omitempty"`
	CreatedAt     time.Time `bson:"created_at"`
	UpdatedAt     time.Time `bson:"updated_at"`
}

func toSubDoc(s domain.Subscription) subDoc {
	return subDoc{ID: s.ID, OrgID: s.OrgID, Role: s.Role, URL: s.URL, Events: orEmpty(s.Events), Secret: s.Secret, Status: s.Status,
		PausedReason: s.PausedReason, ConsecutiveFailures: s.ConsecutiveFailures, LastStatus: s.LastStatus, LastError: s.LastError,
		LastAttemptAt: s.LastAttemptAt, Queued: s.Queued, Finished: s.Finished, Recent: orEmpty(s.Recent), Dropped: s.Dropped,
		CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt}
}

func (d subDoc) subscription() domain.Subscription {
	return domain.Subscription{ID: d.ID, OrgID: d.OrgID, Role: d.Role, URL: d.URL, Events: d.Events, Secret: d.Secret, Status: d.Status,
		PausedReason: d.PausedReason, ConsecutiveFailures: d.ConsecutiveFailures, LastStatus: d.LastStatus, LastError: d.LastError,
		LastAttemptAt: d.LastAttemptAt.UTC(), Queued: d.Queued, Finished: d.Finished, Recent: d.Recent, Dropped: d.Dropped,
		CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC()}
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func clone(s domain.Subscription) domain.Subscription {
	s.Events, s.Recent = slices.Clone(s.Events), slices.Clone(s.Recent)
	return s
}

func (r *Repository) CreateSubscription(ctx context.Context, s domain.Subscription) error {
	unlock := r.locks.Lock(s.ID)
	defer unlock()
	if _, err := r.subs.InsertOne(ctx, toSubDoc(s)); err != nil {
		return err
	}
	r.mu.Lock()
	r.subIndex[s.ID] = clone(s)
	r.mu.Unlock()
	return nil
}

func (r *Repository) Subscription(_ context.Context, id string) (domain.Subscription, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	s, ok := r.subIndex[id]
	if !ok {
		return domain.Subscription{}, domain.ErrSubscriptionNotFound
	}
	return clone(s), nil
}

func (r *Repository) Subscriptions(context.Context) ([]domain.Subscription, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]domain.Subscription, 0, len(r.subIndex))
	for _, id := range slices.Sorted(maps.Keys(r.subIndex)) {
		out = append(out, clone(r.subIndex[id]))
	}
	return out, nil
}

func (r *Repository) UpdateSubscription(ctx context.Context, id string, change func(*domain.Subscription) error) (domain.Subscription, error) {
	unlock := r.locks.Lock(id)
	defer unlock()
	s, err := r.Subscription(ctx, id)
	if err != nil {
		return s, err
	}
	if err := change(&s); err != nil {
		return domain.Subscription{}, err
	}
	if err := replace(ctx, r.subs, id, toSubDoc(s)); err != nil {
		return domain.Subscription{}, err
	}
	r.mu.Lock()
	r.subIndex[id] = clone(s)
	r.mu.Unlock()
	return s, nil
}

func (r *Repository) DeleteSubscription(ctx context.Context, id string) error {
	unlock := r.locks.Lock(id)
	defer unlock()
	s, err := r.Subscription(ctx, id)
	if err != nil {
		return err
	}
	// The subscription first: deliveries left by a crash after it are
	// never read again (nothing lists them), which costs only space.
	if _, err := r.subs.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}}); err != nil {
		return err
	}
	r.mu.Lock()
	delete(r.subIndex, id)
	r.mu.Unlock()
	// Then the queue, position by position (at most MaxPending), and the
	// deliveries it and the log name.
	dels := slices.Clone(s.Recent)
	for pos := s.Head(); pos <= s.Queued; pos++ {
		did, err := r.QueuedAt(ctx, id, pos)
		if err == nil {
			dels = append(dels, did)
		} else if !errors.Is(err, domain.ErrDeliveryNotFound) {
			return err
		}
		if err := r.DeleteQueued(ctx, id, pos); err != nil {
			return err
		}
	}
	for _, d := range dels {
		if _, err := r.dels.DeleteOne(ctx, bson.D{{Key: "_id", Value: d}}); err != nil {
			return err
		}
	}
	return nil
}

// ---- queues ----

// migrateQueue moves a queue kept as a list of ids in the subscription's
// document into positions after the subscription's tail: each delivery
// numbered, its position written, then the subscription without the list
// (the commit). A stop before the commit does it all again on the next
// start, over the same positions.
func (r *Repository) migrateQueue(ctx context.Context, doc subDoc) error {
	s := doc.subscription()
	for _, id := range doc.LegacyPending {
		d, err := r.Delivery(ctx, id)
		if errors.Is(err, domain.ErrDeliveryNotFound) {
			continue // the old version's dispatcher dropped these too
		}
		if err != nil {
			return err
		}
		s.Queued++
		d.Position = s.Queued
		if err := r.SaveDelivery(ctx, d); err != nil {
			return err
		}
		if err := r.PutQueued(ctx, s.ID, s.Queued, id); err != nil {
			return err
		}
	}
	if err := replace(ctx, r.subs, s.ID, toSubDoc(s)); err != nil {
		return err
	}
	r.subIndex[s.ID] = s
	return nil
}

type queueDoc struct {
	ID           string `bson:"_id"`
	Subscription string `bson:"subscription_id"`
	Position     int64  `bson:"position"`
	DeliveryID   string `bson:"delivery_id"`
}

// queueID orders a subscription's positions by _id.
func queueID(sub string, pos int64) string { return fmt.Sprintf("%s#%012d", sub, pos) }

func (r *Repository) PutQueued(ctx context.Context, sub string, pos int64, deliveryID string) error {
	id := queueID(sub, pos)
	return replace(ctx, r.queue, id, queueDoc{ID: id, Subscription: sub, Position: pos, DeliveryID: deliveryID})
}

func (r *Repository) QueuedAt(ctx context.Context, sub string, pos int64) (string, error) {
	var doc queueDoc
	if err := r.queue.FindOne(ctx, bson.D{{Key: "_id", Value: queueID(sub, pos)}}).Decode(&doc); err != nil {
		if mongox.IsNotFound(err) {
			return "", domain.ErrDeliveryNotFound
		}
		return "", err
	}
	return doc.DeliveryID, nil
}

func (r *Repository) DeleteQueued(ctx context.Context, sub string, pos int64) error {
	_, err := r.queue.DeleteOne(ctx, bson.D{{Key: "_id", Value: queueID(sub, pos)}})
	return err
}

// ---- deliveries ----

type attemptDoc struct {
	At         time.Time `bson:"at"`
	StatusCode int       `bson:"status_code,omitempty"`
	Error      string    `bson:"error,omitempty"`
	DurationMS int64     `bson:"duration_ms"`
}

type deliveryDoc struct {
	ID             string       `bson:"_id"`
	SubscriptionID string       `bson:"subscription_id"`
	OrgID          string       `bson:"org_id"`
	NotificationID string       `bson:"notification_id"`
	Event          string       `bson:"event"`
	Subject        string       `bson:"subject"`
	Position       int64        `bson:"position"`
	Body           string       `bson:"body"`
	Status         string       `bson:"status"`
	Attempts       []attemptDoc `bson:"attempts"`
	Tries          int          `bson:"tries"`
	NextAt         time.Time    `bson:"next_at"`
	FirstTriedAt   time.Time    `bson:"first_tried_at,omitempty"`
	CreatedAt      time.Time    `bson:"created_at"`
	UpdatedAt      time.Time    `bson:"updated_at"`
}

func toDeliveryDoc(d domain.Delivery) deliveryDoc {
	doc := deliveryDoc{ID: d.ID, SubscriptionID: d.SubscriptionID, OrgID: d.OrgID, NotificationID: d.NotificationID, Event: d.Event,
		Subject: d.Subject, Position: d.Position, Body: string(d.Body), Status: d.Status, Attempts: []attemptDoc{}, Tries: d.Tries, NextAt: d.NextAt,
		FirstTriedAt: d.FirstTriedAt, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt}
	for _, a := range d.Attempts {
		doc.Attempts = append(doc.Attempts, attemptDoc{At: a.At, StatusCode: a.StatusCode, Error: a.Error, DurationMS: a.Duration.Milliseconds()})
	}
	return doc
}

func (doc deliveryDoc) delivery() domain.Delivery {
	d := domain.Delivery{ID: doc.ID, SubscriptionID: doc.SubscriptionID, OrgID: doc.OrgID, NotificationID: doc.NotificationID, Event: doc.Event,
		Subject: doc.Subject, Position: doc.Position, Body: []byte(doc.Body), Status: doc.Status, Tries: doc.Tries, NextAt: doc.NextAt.UTC(),
		FirstTriedAt: doc.FirstTriedAt.UTC(), CreatedAt: doc.CreatedAt.UTC(), UpdatedAt: doc.UpdatedAt.UTC()}
	if doc.FirstTriedAt.IsZero() {
		d.FirstTriedAt = time.Time{}
	}
	for _, a := range doc.Attempts {
		d.Attempts = append(d.Attempts, domain.Attempt{At: a.At.UTC(), StatusCode: a.StatusCode, Error: a.Error, Duration: time.Duration(a.DurationMS) * time.Millisecond})
	}
	return d
}

func (r *Repository) AddDelivery(ctx context.Context, d domain.Delivery) (bool, error) {
	if _, err := r.dels.InsertOne(ctx, toDeliveryDoc(d)); err != nil {
		if mongox.IsDuplicate(err) {
			return false, nil
		}
		return false, err
	}
	return true, nil
}

func (r *Repository) Delivery(ctx context.Context, id string) (domain.Delivery, error) {
	doc, err := mongox.FindByID[deliveryDoc](ctx, r.dels, id, domain.ErrDeliveryNotFound)
	if err != nil {
		return domain.Delivery{}, err
	}
	return doc.delivery(), nil
}

func (r *Repository) SaveDelivery(ctx context.Context, d domain.Delivery) error {
	res, err := r.dels.ReplaceOne(ctx, bson.D{{Key: "_id", Value: d.ID}}, toDeliveryDoc(d))
	if err != nil {
		return err
	}
	if res.MatchedCount == 0 {
		return domain.ErrDeliveryNotFound
	}
	return nil
}

func (r *Repository) DeleteDelivery(ctx context.Context, id string) error {
	_, err := r.dels.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}})
	return err
}

// ---- feeds ----

// A feed is a small head document (_id = the feed key: the last sequence
// number and the ids of the newest notifications, to skip a replayed one)
// and one document per entry (_id = key + "#" + sequence), so an append
// writes two small documents however long the backlog, and a reconnection
// reads the entries it lacks by _id.

// dedupWindow is how many of the newest notification ids a feed's head
// remembers: a replay only ever repeats the last few events.
const dedupWindow = 256

type feedHead struct {
	ID  string   `bson:"_id"`
	Seq int64    `bson:"seq"`
	IDs []string `bson:"ids"`
	// Seqs are the sequence numbers of IDs, in the same order.
	Seqs []int64 `bson:"seqs"`
	// Kept is how many entries the last append kept, so a reader starts
	// no earlier than the oldest that can still be there.
	Kept int64 `bson:"kept"`
}

type entryDoc struct {
	ID   string `bson:"_id"`
	Seq  int64  `bson:"seq"`
	Body string `bson:"body"`
}

func entryID(key string, seq int64) string { return key + "#" + strconv.FormatInt(seq, 10) }

func (r *Repository) head(ctx context.Context, key string) (feedHead, error) {
	var h feedHead
	err := r.feeds.FindOne(ctx, bson.D{{Key: "_id", Value: key}}).Decode(&h)
	if mongox.IsNotFound(err) {
		return feedHead{ID: key}, nil
	}
	return h, err
}

func (r *Repository) AppendFeed(ctx context.Context, key string, n domain.Notification, max int) (domain.FeedEntry, bool, error) {
	unlock := r.locks.Lock("feed\x00" + key)
	defer unlock()
	h, err := r.head(ctx, key)
	if err != nil {
		return domain.FeedEntry{}, false, err
	}
	if i := slices.Index(h.IDs, n.ID); i >= 0 {
		return domain.FeedEntry{Seq: h.Seqs[i], Notification: n}, false, nil
	}
	seq := h.Seq + 1
	// The entry first (replaced if a crash left one under this number),
	// then the head that counts it: a crash between the two leaves an
	// entry no one reads yet, overwritten by the retry.
	if err := replace(ctx, r.entries, entryID(key, seq), entryDoc{ID: entryID(key, seq), Seq: seq, Body: string(n.Body())}); err != nil {
		return domain.FeedEntry{}, false, err
	}
	h.Seq, h.Kept = seq, int64(max)
	h.IDs, h.Seqs = append(h.IDs, n.ID), append(h.Seqs, seq)
	if len(h.IDs) > dedupWindow {
		h.IDs, h.Seqs = h.IDs[len(h.IDs)-dedupWindow:], h.Seqs[len(h.Seqs)-dedupWindow:]
	}
	if err := replace(ctx, r.feeds, key, h); err != nil {
		return domain.FeedEntry{}, false, err
	}
	if old := seq - int64(max); old >= 1 {
		if _, err := r.entries.DeleteOne(ctx, bson.D{{Key: "_id", Value: entryID(key, old)}}); err != nil {
			return domain.FeedEntry{}, false, err
		}
	}
	return domain.FeedEntry{Seq: seq, Notification: n}, true, nil
}

func (r *Repository) FeedSince(ctx context.Context, key string, seq int64) ([]domain.FeedEntry, error) {
	h, err := r.head(ctx, key)
	if err != nil {
		return nil, err
	}
	var out []domain.FeedEntry
	for s := max(seq+1, h.Seq-h.Kept+1); s <= h.Seq; s++ {
		var e entryDoc
		err := r.entries.FindOne(ctx, bson.D{{Key: "_id", Value: entryID(key, s)}}).Decode(&e)
		if mongox.IsNotFound(err) {
			continue // past the backlog kept
		}
		if err != nil {
			return nil, err
		}
		var n domain.Notification
		if err := json.Unmarshal([]byte(e.Body), &n); err != nil {
			return nil, err
		}
		out = append(out, domain.FeedEntry{Seq: e.Seq, Notification: n})
	}
	return out, nil
}

// ---- watches ----

type watchDoc struct {
	ID        string    `bson:"_id"`
	OrgID     string    `bson:"org_id"`
	Version   int64     `bson:"version"`
	ExpiresAt time.Time `bson:"expires_at"`
	Data      string    `bson:"data"`
}

func (d watchDoc) watch() domain.Watch {
	w := domain.Watch{AllocationID: d.ID, OrgID: d.OrgID, Version: d.Version, ExpiresAt: d.ExpiresAt.UTC()}
	_ = json.Unmarshal([]byte(d.Data), &w.Data) // written by PutWatch from a map: always decodes
	return w
}

func (r *Repository) PutWatch(ctx context.Context, w domain.Watch) error {
	unlock := r.locks.Lock("watch\x00" + w.AllocationID)
	defer unlock()
	data, err := json.Marshal(w.Data)
	if err != nil {
		return err
	}
	doc := watchDoc{ID: w.AllocationID, OrgID: w.OrgID, Version: w.Version, ExpiresAt: w.ExpiresAt, Data: string(data)}
	if err := replace(ctx, r.watches, w.AllocationID, doc); err != nil {
		return err
	}
	r.mu.Lock()
	r.watchIndex[w.AllocationID] = doc.watch()
	r.mu.Unlock()
	return nil
}

func (r *Repository) DeleteWatch(ctx context.Context, id string) error {
	unlock := r.locks.Lock("watch\x00" + id)
	defer unlock()
	r.mu.RLock()
	_, ok := r.watchIndex[id]
	r.mu.RUnlock()
	if !ok {
		return nil // most allocation events end no watch: no write for them
	}
	if _, err := r.watches.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}}); err != nil {
		return err
	}
	r.mu.Lock()
	delete(r.watchIndex, id)
	r.mu.Unlock()
	return nil
}

func (r *Repository) WatchesDue(_ context.Context, t time.Time) ([]domain.Watch, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	var out []domain.Watch
	for _, w := range r.watchIndex {
		if !w.ExpiresAt.After(t) {
			out = append(out, w)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].AllocationID < out[j].AllocationID })
	return out, nil
}
