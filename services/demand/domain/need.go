// Package domain holds the demand service's needs and their rules: what a
// hospital may post, how a need's status follows its allocations, and when
// it may be cancelled, confirmed or go stale.
package domain

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"slices"
	"time"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/shared/apperr"
)

// Urgency classes, served in this order by the matching policy.
const (
	UrgencyCritical = "critical"
	UrgencyHigh     = "high"
	UrgencyNormal   = "normal"
)

// Urgencies lists the allowed urgency classes.
var Urgencies = []string{UrgencyCritical, UrgencyHigh, UrgencyNormal}

// Need statuses (API.md).
const (
	StatusOpen               = "open"
	StatusPartiallyAllocated = "partially_allocated"
	StatusAllocated          = "allocated"
	StatusFulfilled          = "fulfilled"
	StatusCancelled          = "cancelled"
	StatusStale              = "stale"
)

// Statuses lists every need status.
var Statuses = []string{StatusOpen, StatusPartiallyAllocated, StatusAllocated, StatusFulfilled, StatusCancelled, StatusStale}

// Need is a hospital's shortage of one item.
type Need struct {
	ID         string
	HospitalID string
	Item       string
	Quantity   int64
	Urgency    string
	// NeededBy is a calendar date, YYYY-MM-DD, in China time (see Today).
	NeededBy          string
	Region            string
	AcceptedStandards []string
	// Note is private to the hospital and regulators; it never leaves this
	// service in an event.
	Note string

	// Status and the three quantities are derived from the fields below by
	// refresh; they are stored too, so lists and the database read plainly.
	Status             string
	AllocatedQuantity  int64
	DispatchedQuantity int64
	DeliveredQuantity  int64
	// Allocations are the matcher's allocations to this need, in the order
	// they were first seen.
	Allocations []Allocation

	CreatedAt   time.Time
	UpdatedAt   time.Time
	ConfirmedAt *time.Time
	CancelledAt *time.Time
	// StaleAt is set when the stale rule marked the need, cleared by Confirm.
	StaleAt *time.Time

	// Timeline is the need's history, oldest first, bounded by MaxTimeline;
	// TimelineOmitted counts the entries dropped to keep the bound.
	Timeline        []TimelineEntry
	TimelineOmitted int64

	// Days are the need's end-of-day figures, oldest first, a month of
	// them (daily.Record), filed with every change: open demand per day.
	Days []DayFigure

	// Revision counts the need's stored writes (the repository increments
	// it), so an in-memory read model can ignore a write older than the one
	// it holds.
	Revision int64
}

// Allocation is what the need keeps of one of its allocations: the
// matcher's latest snapshot of it, by version.
type Allocation struct {
	ID         string
	Quantity   int64
	Status     string
	SourceKind string
	Shipped    int64
	Received   int64
	Damaged    int64
	Version    int64
}

// Allocation statuses (the matcher's).
const (
	AllocationProposed   = "proposed"
	AllocationAccepted   = "accepted"
	AllocationDispatched = "dispatched"
	AllocationDelivered  = "delivered"
	AllocationDeclined   = "declined"
	AllocationExpired    = "expired"
	AllocationCancelled  = "cancelled"
)

// live reports whether an allocation in this status still holds units for
// the need; declined, expired and cancelled ones gave them back.
func live(status string) bool {
	switch status {
	case AllocationProposed, AllocationAccepted, AllocationDispatched, AllocationDelivered:
		return true
	}
	return false
}

// Errors.
var (
	ErrNeedNotFound         = apperr.New(apperr.NotFound, "no need with this id")
	ErrNeedExists           = apperr.New(apperr.Conflict, "a need with this id exists")
	ErrNeedAlreadyCancelled = apperr.New(apperr.Conflict, "this need is already cancelled")
	ErrNeedFulfilled        = apperr.New(apperr.Conflict, "this need is fulfilled: everything asked for was delivered")
	ErrNeedCancelledConfirm = apperr.New(apperr.Conflict, "this need is cancelled and cannot be confirmed; post a new need instead")
	ErrAllocationMismatch   = apperr.New(apperr.Unprocessable, "the allocation names another hospital or item than its need")
)

// ErrUnchanged is returned by a Repository.Update change function that
// found nothing to change; Update then writes nothing and returns the need
// as read. It is never an answer: a leak would be a bug, hence no apperr code.
var ErrUnchanged = errors.New("need unchanged")

// Clone returns a deep copy.
func (n Need) Clone() Need {
	n.AcceptedStandards = slices.Clone(n.AcceptedStandards)
	n.Allocations = slices.Clone(n.Allocations)
	n.Timeline = slices.Clone(n.Timeline)
	n.Days = slices.Clone(n.Days)
	n.ConfirmedAt = cloneTime(n.ConfirmedAt)
	n.CancelledAt = cloneTime(n.CancelledAt)
	n.StaleAt = cloneTime(n.StaleAt)
	return n
}

func cloneTime(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	c := *t
	return &c
}

// Cancel cancels the need. Units already allocated stay with it (the
// matcher settles them); what is not yet allocated is released when the
// matcher reads need_cancelled.
func (n *Need) Cancel(now time.Time) error {
	switch n.Status {
	case StatusCancelled:
		return ErrNeedAlreadyCancelled
	case StatusFulfilled:
		return ErrNeedFulfilled
	}
	n.change(now, TimelineEntry{Type: TimelineCancelled}, func() { n.CancelledAt = &now })
	return nil
}

// Confirm records that the hospital still wants the need: it restarts the
// stale clock and a stale need goes back to the status its allocations give.
func (n *Need) Confirm(now time.Time) error {
	switch n.Status {
	case StatusCancelled:
		return ErrNeedCancelledConfirm
	case StatusFulfilled:
		return ErrNeedFulfilled
	}
	n.change(now, TimelineEntry{Type: TimelineConfirmed}, func() {
		n.ConfirmedAt = &now
		n.StaleAt = nil
	})
	return nil
}

// LastConfirmed is when the hospital last said it wants the need: its
// confirmation, or its posting.
func (n Need) LastConfirmed() time.Time {
	if n.ConfirmedAt != nil {
		return *n.ConfirmedAt
	}
	return n.CreatedAt
}

// DueStale reports whether the stale rule applies now: the need is still
// being matched (open or partially allocated), is not marked yet, and was
// not confirmed for at least after.
func (n Need) DueStale(now time.Time, after time.Duration) bool {
	if n.Status != StatusOpen && n.Status != StatusPartiallyAllocated {
		return false
	}
	return n.StaleAt == nil && !now.Before(n.LastConfirmed().Add(after))
}

// MarkStale applies the stale rule; it reports false when the rule does not
// apply (any more).
func (n *Need) MarkStale(now time.Time, after time.Duration) bool {
	if !n.DueStale(now, after) {
		return false
	}
	n.change(now, TimelineEntry{Type: TimelineStale}, func() { n.StaleAt = &now })
	return true
}

// ApplyAllocation takes in the matcher's snapshot of one allocation to this
// need. A version not newer than the one held changes nothing (events may
// arrive twice or out of order), reported as false.
func (n *Need) ApplyAllocation(a Allocation, hospitalID, item string, now time.Time) (bool, error) {
	if hospitalID != n.HospitalID || item != n.Item {
		return false, ErrAllocationMismatch
	}
	i := slices.IndexFunc(n.Allocations, func(x Allocation) bool { return x.ID == a.ID })
	var prev *Allocation
	switch {
	case i < 0:
	case a.Version <= n.Allocations[i].Version:
		return false, nil
	default:
		prev = &n.Allocations[i]
	}
	step := TimelineEntry{Type: allocationStep(prev, a), AllocationID: a.ID, Quantity: a.Quantity,
		Shipped: a.Shipped, Received: a.Received, Damaged: a.Damaged}
	n.change(now, step, func() {
		if i < 0 {
			n.Allocations = append(n.Allocations, a)
		} else {
			n.Allocations[i] = a
		}
	})
	return true, nil
}

// change makes one stored change at now: mutate, then the derived fields,
// the timeline entry e and the day's figure follow. A need stored before
// day figures were kept first takes its state as stored as its first
// figure (DayFigures), so its days before this change still count.
func (n *Need) change(now time.Time, e TimelineEntry, mutate func()) {
	n.Days = n.DayFigures()
	mutate()
	n.UpdatedAt = now
	n.refresh()
	e.At = now
	n.record(e)
	n.recordDay(now, false)
}

// refresh derives the quantities and the status from the allocations and
// the marks. Precedence, first match wins:
//
//	cancelled            cancelled by the hospital (sticky)
//	fulfilled            delivered >= quantity
//	allocated            allocated >= quantity
//	stale                marked stale and not confirmed since
//	partially_allocated  allocated > 0
//	open                 otherwise
//
// stale comes before partially_allocated because a stale need leaves
// matching: its shortfall is not matched until the hospital confirms it,
// and the status must say so.
func (n *Need) refresh() {
	var allocated, shipped, received int64
	for _, a := range n.Allocations {
		if live(a.Status) {
			// Units that arrived damaged did not serve the need: the
			// matcher allocates them again, so they are not counted here.
			allocated += a.Quantity - a.Damaged
		}
		shipped += a.Shipped
		received += a.Received
	}
	n.AllocatedQuantity, n.DispatchedQuantity, n.DeliveredQuantity = allocated, shipped, received
	switch {
	case n.CancelledAt != nil:
		n.Status = StatusCancelled
	case received >= n.Quantity:
		n.Status = StatusFulfilled
	case allocated >= n.Quantity:
		n.Status = StatusAllocated
	case n.StaleAt != nil:
		n.Status = StatusStale
	case allocated > 0:
		n.Status = StatusPartiallyAllocated
	default:
		n.Status = StatusOpen
	}
}

// Repository stores needs. Every method addresses one need by id, except
// All, which reads the whole collection once at start to load the list
// index (see app.Index).
type Repository interface {
	// Create stores a new need and the events that announce it, in one write.
	Create(ctx context.Context, n Need, evs ...events.Envelope) error
	Get(ctx context.Context, id string) (Need, error)
	// Update reads the need, applies change under its lock, increments its
	// Revision and stores the result with the events change returns. When
	// change returns ErrUnchanged, nothing is written and the need is returned
	// as read.
	Update(ctx context.Context, id string, change func(*Need) ([]events.Envelope, error)) (Need, error)
	// All calls f with every need, in no particular order.
	All(ctx context.Context, f func(Need) error) error
}

// NewID returns a new need id.
func NewID() string { return "need_" + randomHex(10) }

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}
