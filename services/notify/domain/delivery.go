package domain

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	"github.com/aidflow/aidflow/shared/apperr"
)

// Delivery statuses.
const (
	DeliveryPending   = "pending"
	DeliveryDelivered = "delivered"
	// DeliveryFailed: every attempt within the retry period failed; the
	// delivery was given up and the next one went ahead.
	DeliveryFailed = "failed"
)

// MaxAttemptsKept bounds the attempts a delivery remembers (the newest).
const MaxAttemptsKept = 50

// ErrDeliveryNotFound: no such delivery.
var ErrDeliveryNotFound = apperr.New(apperr.NotFound, "no delivery with this id")

// Delivery is one notification to one subscription. Its ID derives from
// both, so a replayed event creates nothing new; it is also the
// Aidflow-Delivery header, the receiver's idempotency key.
type Delivery struct {
	ID             string
	SubscriptionID string
	OrgID          string
	NotificationID string
	Event          string
	Subject        string
	// Position is its place in the subscription's queue (Subscription.
	// Queued); 0 until queued.
	Position int64
	// Body is the JSON sent, fixed at creation so every attempt sends the
	// same bytes.
	Body     []byte
	Status   string
	Attempts []Attempt
	Tries    int
	NextAt   time.Time
	// FirstTriedAt starts the retry period; a resumed subscription
	// starts it again (Retrying).
	FirstTriedAt time.Time
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// DeliveryID is the id of a notification's delivery to a subscription.
func DeliveryID(subscriptionID, notificationID string) string {
	return NotificationID(notificationID, "delivery", subscriptionID)
}

// NewDelivery queues n for s.
func NewDelivery(s Subscription, n Notification, now time.Time) Delivery {
	now = now.UTC().Truncate(time.Millisecond)
	return Delivery{
		ID: DeliveryID(s.ID, n.ID), SubscriptionID: s.ID, OrgID: s.OrgID, NotificationID: n.ID, Event: n.Type,
		Subject: n.Subject, Body: n.Body(), Status: DeliveryPending, NextAt: now, CreatedAt: now, UpdatedAt: now,
	}
}

// Attempt is one try of a delivery.
type Attempt struct {
	At time.Time
	// StatusCode is the receiver's answer; 0 when there was none.
	StatusCode int
	// Error says what went wrong without an answer (timeout, refused).
	Error    string
	Duration time.Duration
}

// OK reports whether the receiver took the delivery (any 2xx).
func (a Attempt) OK() bool { return a.StatusCode >= 200 && a.StatusCode < 300 }

// Describe says what happened, for a paused subscription's reason.
func (a Attempt) Describe() string {
	if a.StatusCode != 0 {
		return "the receiver answered " + strconv.Itoa(a.StatusCode) + " " + http.StatusText(a.StatusCode)
	}
	return a.Error
}

// Retry is the delivery retry schedule: after the n-th failed attempt the
// next waits Base·2^(n-1), at most Max, with ±Jitter of it at random;
// once Period has passed since the first attempt a failing delivery is
// given up. PauseAfter consecutive failures pause the subscription.
type Retry struct {
	Base, Max, Period time.Duration
	Jitter            float64
	PauseAfter        int
	// Rand returns a number in [0,1); nil means math/rand.
	Rand func() float64
}

// DefaultRetry: 30 s, 1 m, 2 m … 1 h, then every hour, for 24 h; paused
// after 10 consecutive failures (about 4 h 15 m of a dead receiver).
var DefaultRetry = Retry{Base: 30 * time.Second, Max: time.Hour, Period: 24 * time.Hour, Jitter: 0.2, PauseAfter: 10}

// Delay is the wait after the n-th consecutive failed attempt (n ≥ 1).
func (r Retry) Delay(n int) time.Duration {
	d := r.Base
	for i := 1; i < n && d < r.Max; i++ {
		d *= 2
	}
	d = min(d, r.Max)
	if r.Jitter > 0 {
		f := rand.Float64
		if r.Rand != nil {
			f = r.Rand
		}
		d = time.Duration(float64(d) * (1 - r.Jitter + 2*r.Jitter*f()))
	}
	return d
}

// Apply records an attempt on the delivery: delivered on success; else
// the next try is scheduled, or the delivery given up once the retry
// period since its first attempt has passed.
func (d *Delivery) Apply(a Attempt, r Retry) {
	if d.FirstTriedAt.IsZero() {
		d.FirstTriedAt = a.At
	}
	d.Tries++
	d.Attempts = append(d.Attempts, a)
	if n := len(d.Attempts); n > MaxAttemptsKept {
		d.Attempts = d.Attempts[n-MaxAttemptsKept:]
	}
	d.UpdatedAt = a.At
	switch {
	case a.OK():
		d.Status = DeliveryDelivered
	case a.At.Sub(d.FirstTriedAt) >= r.Period:
		d.Status = DeliveryFailed
	default:
		d.NextAt = a.At.Add(r.Delay(d.failuresInARow())).Truncate(time.Millisecond)
	}
}

func (d Delivery) failuresInARow() int {
	n := 0
	for i := len(d.Attempts) - 1; i >= 0 && !d.Attempts[i].OK(); i-- {
		n++
	}
	return n
}

// Retrying makes a pending delivery due now with a fresh retry period, as
// when its owner resumes a paused subscription.
func (d *Delivery) Retrying(now time.Time) {
	d.NextAt, d.FirstTriedAt = now, time.Time{}
}
