package domain

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aidflow/aidflow/shared/apperr"
)

// Subscription statuses.
const (
	StatusActive = "active"
	StatusPaused = "paused"
)

// Limits on a subscription.
const (
	MaxURLLength = 2000
	// MaxRecent bounds the finished deliveries a subscription's log keeps.
	MaxRecent = 100
	// MaxPending bounds the deliveries waiting for one receiver; past it
	// new notifications are still on the live feed but not queued, and
	// the subscription says so (Dropped). Queueing costs the same at any
	// length (each position is a record of its own); the bound keeps a
	// dead receiver from growing the store without end.
	MaxPending = 10_000
)

// Subscription is an organization's webhook: where to deliver which
// events, signed with its secret, in order.
type Subscription struct {
	ID     string
	OrgID  string
	Role   string
	URL    string
	Events []string
	// Secret signs every delivery; shown once, when created.
	Secret string
	Status string
	// PausedReason says why deliveries stopped (the last status or error).
	PausedReason string
	// ConsecutiveFailures counts failed attempts since the last success.
	ConsecutiveFailures int
	// LastStatus and LastError describe the latest attempt.
	LastStatus    int
	LastError     string
	LastAttemptAt time.Time
	// Queued is the position of the newest delivery ever queued (1, 2,
	// …) and Finished that of the newest that left the queue: the
	// deliveries still to make are at positions Finished+1 … Queued,
	// oldest first, each stored on its own (Repository.QueuedAt), so
	// queueing one writes the same few small records however long the
	// queue. The head is delivered (or given up) before the next is tried.
	Queued, Finished int64
	// Recent are the ids of finished deliveries, newest last, at most MaxRecent.
	Recent []string
	// Dropped counts notifications not queued because Pending was full.
	Dropped   int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Wants reports whether the subscription asked for an event type.
func (s Subscription) Wants(eventType string) bool { return slices.Contains(s.Events, eventType) }

// Pending is how many deliveries wait in the queue.
func (s Subscription) Pending() int64 { return s.Queued - s.Finished }

// Head is the position of the oldest pending delivery (when Pending > 0).
func (s Subscription) Head() int64 { return s.Finished + 1 }

// Reserve takes the position after the tail for a new delivery; the
// queue counts it once the subscription is stored with Queued at that
// position. False when the queue is full: the notification is counted in
// Dropped instead.
func (s *Subscription) Reserve() (int64, bool) {
	if s.Pending() >= MaxPending {
		s.Dropped++
		return 0, false
	}
	return s.Queued + 1, true
}

// Holds reports whether the stored delivery d is in the queue or has been
// through it, so queueing it again would send it twice. at reads the id
// of the delivery at a position (ErrDeliveryNotFound when none). A
// delivery leaves the pending status before the queue moves past it, so
// a pending one numbered outside Finished+1 … Queued, or whose position
// names another delivery, was numbered by a write that stopped before the
// tail moved: it is not queued.
func (s Subscription) Holds(d Delivery, at func(pos int64) (string, error)) (bool, error) {
	if d.Status != DeliveryPending {
		return true, nil
	}
	if d.Position <= s.Finished || d.Position > s.Queued {
		return false, nil
	}
	id, err := at(d.Position)
	if errors.Is(err, ErrDeliveryNotFound) {
		return false, nil
	}
	return id == d.ID, err
}

// Finish moves the head (position pos, delivery deliveryID; "" when the
// position held none) out of the queue into the recent log and returns
// the deliveries that left the log (the oldest past MaxRecent), whose
// documents are no longer needed. A position that is not the head moves
// nothing.
func (s *Subscription) Finish(pos int64, deliveryID string) (evicted []string) {
	if pos != s.Head() || pos > s.Queued {
		return nil
	}
	s.Finished = pos
	if deliveryID == "" || slices.Contains(s.Recent, deliveryID) {
		return nil
	}
	s.Recent = append(s.Recent, deliveryID)
	if n := len(s.Recent); n > MaxRecent {
		evicted = slices.Clone(s.Recent[:n-MaxRecent])
		s.Recent = slices.Clone(s.Recent[n-MaxRecent:])
	}
	return evicted
}

// Record notes an attempt's outcome; after pauseAfter consecutive
// failures (0: never) the subscription pauses with the reason.
func (s *Subscription) Record(a Attempt, pauseAfter int) {
	s.LastStatus, s.LastError, s.LastAttemptAt = a.StatusCode, a.Error, a.At
	if a.OK() {
		s.ConsecutiveFailures = 0
		return
	}
	s.ConsecutiveFailures++
	if pauseAfter > 0 && s.ConsecutiveFailures >= pauseAfter && s.Status == StatusActive {
		s.Status = StatusPaused
		s.PausedReason = a.Describe() + " (" + strconv.Itoa(s.ConsecutiveFailures) + " consecutive failed attempts)"
	}
}

// Resume starts deliveries again after a pause.
func (s *Subscription) Resume() {
	s.Status, s.PausedReason, s.ConsecutiveFailures = StatusActive, "", 0
}

// Subscription errors.
var (
	ErrSubscriptionNotFound = apperr.New(apperr.NotFound, "no webhook subscription with this id")
	ErrTooManySubscriptions = apperr.New(apperr.Conflict, "this organization has the most webhook subscriptions allowed; delete one first")
)

// NewSubscriptionInput is what an organization asks for.
type NewSubscriptionInput struct {
	URL    string
	Events []string
}

// NewSubscription validates the request for an organization of role and
// returns the subscription with a fresh secret. Events must all be ones
// the role may subscribe to; an unknown or foreign one is named.
func NewSubscription(in NewSubscriptionInput, orgID, role string, targets TargetPolicy, now time.Time) (Subscription, error) {
	var v apperr.Validation
	u := strings.TrimSpace(in.URL)
	switch {
	case u == "":
		v.Add("url", "is required: the https URL your system receives events at")
	case utf8.RuneCountInString(u) > MaxURLLength:
		v.Add("url", "must be at most %d characters", MaxURLLength)
	default:
		if _, err := targets.CheckURL(u); err != nil {
			v.Add("url", "%s", err.Error())
		}
	}
	allowed := EventsByRole[role]
	evs := slices.Clone(in.Events)
	sort.Strings(evs)
	evs = slices.Compact(evs)
	var bad []string
	for _, e := range evs {
		if !slices.Contains(allowed, e) {
			bad = append(bad, e)
		}
	}
	switch {
	case len(allowed) == 0:
		v.Add("events", "an organization with the role %q has no events to subscribe to", role)
	case len(evs) == 0:
		v.Add("events", "name at least one of %s", strings.Join(allowed, ", "))
	case len(bad) > 0:
		v.Add("events", "%s: not events a %s may subscribe to; choose from %s", strings.Join(bad, ", "), role, strings.Join(allowed, ", "))
	}
	if err := v.Err(); err != nil {
		return Subscription{}, err
	}
	now = now.UTC().Truncate(time.Millisecond)
	return Subscription{
		ID: "whk_" + randomHex(10), OrgID: orgID, Role: role, URL: u, Events: evs, Secret: "whsec_" + randomHex(24),
		Status: StatusActive, CreatedAt: now, UpdatedAt: now,
	}, nil
}

// KeyedSubscriptionID is the id of a subscription made with a request key
// (httpx.RequestKey), so the same request sent again has the same id.
func KeyedSubscriptionID(orgID, key string) string {
	h := sha256.Sum256([]byte(orgID + "\x00" + key))
	return "whk_" + hex.EncodeToString(h[:10])
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}
