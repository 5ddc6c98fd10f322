package domain

import (
	"crypto/rand"
	"encoding/hex"
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
	// the subscription says so (Dropped).
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
	// Pending are the ids of the deliveries still to make, oldest first:
	// the head is delivered (or given up) before the next is tried.
	Pending []string
	// Recent are the ids of finished deliveries, newest last, at most MaxRecent.
	Recent []string
	// Dropped counts notifications not queued because Pending was full.
	Dropped   int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Wants reports whether the subscription asked for an event type.
func (s Subscription) Wants(eventType string) bool { return slices.Contains(s.Events, eventType) }

// Has reports whether a delivery is queued or finished here.
func (s Subscription) Has(deliveryID string) bool {
	return slices.Contains(s.Pending, deliveryID) || slices.Contains(s.Recent, deliveryID)
}

// Enqueue appends a delivery to the queue; false when it is already there
// or the queue is full (counted in Dropped).
func (s *Subscription) Enqueue(deliveryID string) bool {
	if s.Has(deliveryID) {
		return false
	}
	if len(s.Pending) >= MaxPending {
		s.Dropped++
		return false
	}
	s.Pending = append(s.Pending, deliveryID)
	return true
}

// Finish moves a delivery from the queue to the recent log and returns
// the deliveries that left the log (the oldest past MaxRecent), whose
// documents are no longer needed.
func (s *Subscription) Finish(deliveryID string) (evicted []string) {
	s.Pending = slices.DeleteFunc(s.Pending, func(id string) bool { return id == deliveryID })
	if !slices.Contains(s.Recent, deliveryID) {
		s.Recent = append(s.Recent, deliveryID)
	}
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

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}
