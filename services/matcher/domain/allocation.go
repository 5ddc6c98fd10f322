// Package domain holds the matcher's allocations and their lifecycle, its
// projections of needs, offers and hospitals, the in-memory book that
// answers "what is left" for the policy, and the repository interface.
package domain

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/matcher/domain/policy"
	"github.com/aidflow/aidflow/shared/apperr"
)

// Source is the event source name of this service.
const Source = "matcher"

// Allocation statuses (API.md).
const (
	StatusProposed   = "proposed"
	StatusAccepted   = "accepted"
	StatusDispatched = "dispatched"
	StatusDelivered  = "delivered"
	StatusDeclined   = "declined"
	StatusExpired    = "expired"
	StatusCancelled  = "cancelled"
)

// Statuses lists every allocation status, for validating filters.
var Statuses = []string{StatusProposed, StatusAccepted, StatusDispatched, StatusDelivered, StatusDeclined, StatusExpired, StatusCancelled}

// Limits on free text, in characters.
const (
	MaxReasonLength   = 1000
	MaxCarrierLength  = 200
	MaxTrackingLength = 200
	MaxNoteLength     = 2000
)

// Allocation gives Quantity units of one source (a capacity report or a
// donation line) to one need.
type Allocation struct {
	ID             string
	Version        int64
	NeedID         string
	HospitalID     string
	HospitalRegion string
	Item           string
	Quantity       int64
	SourceKind     string
	SourceID       string
	SourceOrgID    string
	SourceRegion   string
	Status         string
	// ShippedQuantity is the total of every dispatch; Received and Damaged
	// the totals of every receipt.
	ShippedQuantity  int64
	ReceivedQuantity int64
	DamagedQuantity  int64
	Carrier          string
	TrackingNumber   string
	// DecidedBy is the policy version or "regulator:<org id>".
	DecidedBy string
	Reason    string
	// StatusReason is the decline, expiry or cancel reason.
	StatusReason string
	// StatusBy is "regulator:<org id>" when a regulator cancelled or
	// redirected the allocation.
	StatusBy string
	// RedirectedFrom, on an allocation a regulator's redirect made, is the
	// allocation it took the unshipped units from; RedirectedTo, on that
	// cancelled allocation, is the one that took them.
	RedirectedFrom string
	RedirectedTo   string
	// ReceiptNote is the hospital's private note on its receipts.
	ReceiptNote string
	// RunID is the event whose matching run made the allocation; empty for
	// overrides. It numbers the run's allocations across a crash.
	RunID string
	// SourceReport is the capacity report (its event id) current when the
	// allocation was made; empty for donations. A declined or expired
	// proposal keeps its source from the need until a newer report.
	SourceReport string
	// Shipments record each dispatch with the capacity report it was shipped
	// against, so shipments since the current report count against it.
	Shipments []Shipment
	CreatedAt time.Time
	UpdatedAt time.Time
	// Keys are the request keys (httpx.RequestKey) of the latest changes
	// sent with an Idempotency-Key, at most MaxKeys, stored with the state
	// in the same write: a change sent again with its key after the
	// process died between its write and its idempotency record is found
	// made (Made), not made twice (a dispatch counted twice, an override
	// allocated twice).
	Keys []string
	// Writer is the matcher's write of this version: its events carry it
	// (events.Allocation.Partition, Sequence and Applied). Set on every
	// write; only Sequence is stored.
	Writer Writer
}

// MaxKeys bounds Allocation.Keys. A client retries a change within
// minutes, and an allocation sees a handful of changes in its life.
const MaxKeys = 20

// Made reports whether the change sent with key (httpx.RequestKey; "" for
// none) was already made to the allocation.
func (a Allocation) Made(key string) bool { return key != "" && slices.Contains(a.Keys, key) }

// Remember records that the change sent with key was made, forgetting
// the oldest beyond MaxKeys; "" is not kept.
func (a *Allocation) Remember(key string) {
	if key == "" {
		return
	}
	a.Keys = append(slices.Clone(a.Keys), key)
	if len(a.Keys) > MaxKeys {
		a.Keys = a.Keys[len(a.Keys)-MaxKeys:]
	}
}

// Writer is a matcher instance's write of an allocation's version: its
// partition, the write's number among the partition's writes, and how far
// it had read its input streams.
type Writer struct {
	Partition string
	// Sequence numbers the partition's writes in the order they were
	// made, across restarts (one active matcher per partition writes,
	// under its lock). The matcher's stream may carry events of different
	// allocations in another order (each allocation relays its own
	// outbox), so this is what gives a replay the order of the writes.
	// The events of one write share it.
	Sequence int64
	Applied  Inputs
}

// Shipment is one dispatch of part or all of an allocation.
type Shipment struct {
	Quantity int64
	// ReportID is the capacity report (its event id) current when shipped;
	// empty for donations.
	ReportID string
	At       time.Time
}

// Errors. The lifecycle's conflicts name the status found (see conflict).
var (
	ErrAllocationNotFound = apperr.New(apperr.NotFound, "no allocation with this id")
	ErrAllocationExists   = apperr.New(apperr.Conflict, "an allocation with this id exists")
	ErrNotProposed        = apperr.New(apperr.Conflict, "only a proposed allocation can be accepted")
	ErrCannotDecline      = apperr.New(apperr.Conflict, "only a proposed or accepted allocation can be declined")
	ErrCannotDispatch     = apperr.New(apperr.Conflict, "only an accepted or dispatched allocation can be dispatched; accept it first")
	ErrNotDispatched      = apperr.New(apperr.Conflict, "only a dispatched allocation can be received")
	ErrCannotCancel       = apperr.New(apperr.Conflict, "this allocation can no longer be cancelled")
	ErrNotExpirable       = apperr.New(apperr.Conflict, "only a proposed allocation expires")
)

// conflict adds the status found to a lifecycle error, keeping the
// sentinel in the chain for errors.Is.
func conflict(sentinel *apperr.Error, status string) error {
	return &apperr.Error{Code: sentinel.Code, Message: sentinel.Message + " (it is " + status + ")", Err: sentinel}
}

// Live reports whether the allocation still holds its units: proposed,
// accepted, dispatched or delivered.
func (a Allocation) Live() bool {
	switch a.Status {
	case StatusProposed, StatusAccepted, StatusDispatched, StatusDelivered:
		return true
	}
	return false
}

// Committed is what the allocation takes from its need, and from a
// donation line: its quantity while live; once declined, expired or
// cancelled, only what was already shipped (those units are on their way
// and cannot go anywhere else).
func (a Allocation) Committed() int64 {
	if a.Live() {
		return a.Quantity
	}
	return a.ShippedQuantity
}

// Outstanding is what the allocation still holds of a capacity source:
// what it has not shipped yet, while proposed, accepted or dispatched.
// What was shipped counts separately, against the report it was shipped
// under (Shipments).
func (a Allocation) Outstanding() int64 {
	switch a.Status {
	case StatusProposed, StatusAccepted, StatusDispatched:
		return a.Quantity - a.ShippedQuantity
	}
	return 0
}

// ShippedUnder is what the allocation shipped against one capacity report.
func (a Allocation) ShippedUnder(reportID string) int64 {
	var n int64
	for _, s := range a.Shipments {
		if s.ReportID == reportID {
			n += s.Quantity
		}
	}
	return n
}

// NewAllocationID is the id of the i-th allocation for item of the
// matching run triggered by event runID: the same run after a crash gives
// the same ids, so an allocation is never issued twice. The item is part
// of it because one event (a donation of several items, a sweep, a
// hospital's registration) runs in every partition that serves one of its
// items, each numbering its own allocations: ids depend on the item, never
// on how items are partitioned.
func NewAllocationID(runID, item string, i int) string {
	sum := sha256.Sum256([]byte(runID + "/" + item + "/" + strconv.Itoa(i)))
	return "alloc_" + hex.EncodeToString(sum[:])[:20]
}

// RedirectID is the id of the allocation a redirect of a makes: derived
// from a's id and version, so a redirect retried after a crash between
// its two writes finds the first one instead of making a second.
func RedirectID(a Allocation) string {
	return NewAllocationID("redirect/"+a.ID+"#"+strconv.FormatInt(a.Version, 10), a.Item, 0)
}

// KeyedOverrideID is the id of the allocation a regulator's override sent
// with an Idempotency-Key makes (key is httpx.RequestKey): the same
// override sent again finds it.
func KeyedOverrideID(key string) string { return NewAllocationID("override/"+key, "", 0) }

// NewOverrideID is a fresh id for a regulator's allocation.
func NewOverrideID() string {
	b := make([]byte, 10)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return "alloc_" + hex.EncodeToString(b)
}

// ---- lifecycle ----

func (a *Allocation) touch(now time.Time) {
	a.Version++
	a.UpdatedAt = stamp(now)
}

// stamp is the precision times are stored with (BSON dates: milliseconds),
// so an allocation reads back exactly as it was written.
func stamp(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }

// Accept moves a proposed allocation to accepted.
func (a *Allocation) Accept(now time.Time) (eventType string, err error) {
	if a.Status != StatusProposed {
		return "", conflict(ErrNotProposed, a.Status)
	}
	a.Status = StatusAccepted
	a.touch(now)
	return events.AllocationAcceptedType, nil
}

// Decline gives the units back: the source keeps them and the need is
// matched again.
func (a *Allocation) Decline(reason string, now time.Time) (string, error) {
	reason, err := ValidReason(reason)
	if err != nil {
		return "", err
	}
	if a.Status != StatusProposed && a.Status != StatusAccepted {
		return "", conflict(ErrCannotDecline, a.Status)
	}
	a.Status = StatusDeclined
	a.StatusReason = reason
	a.touch(now)
	return events.AllocationDeclinedType, nil
}

// DispatchInput is one shipment.
type DispatchInput struct {
	ShippedQuantity int64
	Carrier         string
	TrackingNumber  string
}

// Dispatch records a shipment of part or all of an accepted allocation. A
// dispatched allocation may be dispatched again for the rest: shipments
// add up and may not exceed the quantity. reportID is the capacity report
// the units leave under (empty for donations).
func (a *Allocation) Dispatch(in DispatchInput, reportID string, now time.Time) (string, error) {
	var v apperr.Validation
	carrier, tracking := strings.TrimSpace(in.Carrier), strings.TrimSpace(in.TrackingNumber)
	v.Check(in.ShippedQuantity >= 1, "shipped_quantity", "must be at least 1")
	v.Check(utf8.RuneCountInString(carrier) <= MaxCarrierLength, "carrier", "must be at most %d characters", MaxCarrierLength)
	v.Check(utf8.RuneCountInString(tracking) <= MaxTrackingLength, "tracking_number", "must be at most %d characters", MaxTrackingLength)
	v.Check(!hasControl(carrier), "carrier", "must not contain control characters")
	v.Check(!hasControl(tracking), "tracking_number", "must not contain control characters")
	if err := v.Err(); err != nil {
		return "", err
	}
	if a.Status != StatusAccepted && a.Status != StatusDispatched {
		return "", conflict(ErrCannotDispatch, a.Status)
	}
	if left := a.Quantity - a.ShippedQuantity; in.ShippedQuantity > left {
		v.Add("shipped_quantity", "must be at most %d: the allocation is for %d and %d were already shipped", left, a.Quantity, a.ShippedQuantity)
		return "", v.Err()
	}
	a.ShippedQuantity += in.ShippedQuantity
	a.Shipments = append(a.Shipments, Shipment{Quantity: in.ShippedQuantity, ReportID: reportID, At: stamp(now)})
	if carrier != "" {
		a.Carrier = carrier
	}
	if tracking != "" {
		a.TrackingNumber = tracking
	}
	a.Status = StatusDispatched
	a.touch(now)
	return events.AllocationDispatchedType, nil
}

// ReceiptInput is one receipt by the hospital.
type ReceiptInput struct {
	ReceivedQuantity int64
	DamagedQuantity  int64
	Note             string
}

// Receive records units that arrived. Receipts add up; received plus
// damaged may not exceed what was shipped. The allocation is delivered
// once everything it was for has been shipped and accounted for; until
// then it stays dispatched with the counts so far.
func (a *Allocation) Receive(in ReceiptInput, now time.Time) (string, error) {
	var v apperr.Validation
	note := strings.TrimSpace(in.Note)
	v.Check(in.ReceivedQuantity >= 0, "received_quantity", "must not be negative")
	v.Check(in.DamagedQuantity >= 0, "damaged_quantity", "must not be negative")
	if in.ReceivedQuantity == 0 && in.DamagedQuantity == 0 {
		v.Add("received_quantity", "a receipt must count at least one unit, received or damaged")
	}
	v.Check(utf8.RuneCountInString(note) <= MaxNoteLength, "note", "must be at most %d characters", MaxNoteLength)
	if err := v.Err(); err != nil {
		return "", err
	}
	if a.Status != StatusDispatched {
		return "", conflict(ErrNotDispatched, a.Status)
	}
	counted := a.ReceivedQuantity + a.DamagedQuantity
	if in.ReceivedQuantity+in.DamagedQuantity > a.ShippedQuantity-counted {
		v.Add("received_quantity", "received plus damaged must be at most %d: %d were shipped and %d already counted",
			a.ShippedQuantity-counted, a.ShippedQuantity, counted)
		return "", v.Err()
	}
	a.ReceivedQuantity += in.ReceivedQuantity
	a.DamagedQuantity += in.DamagedQuantity
	if note != "" {
		if a.ReceiptNote != "" {
			a.ReceiptNote += "\n"
		}
		a.ReceiptNote += note
	}
	if a.ShippedQuantity == a.Quantity && a.ReceivedQuantity+a.DamagedQuantity == a.ShippedQuantity {
		a.Status = StatusDelivered
	}
	a.touch(now)
	return events.AllocationReceivedType, nil
}

// Cancel withdraws an allocation: a regulator's decision, by names the
// regulator ("regulator:<org id>"). What was not shipped goes back to the
// source and the need.
func (a *Allocation) Cancel(reason, by string, now time.Time) (string, error) {
	reason, err := ValidReason(reason)
	if err != nil {
		return "", err
	}
	if !a.Cancellable() {
		if a.RedirectedTo != "" {
			return "", &apperr.Error{Code: apperr.Conflict, Message: ErrCannotCancel.Message + " (it was redirected to " + a.RedirectedTo + ")", Err: ErrCannotCancel}
		}
		return "", conflict(ErrCannotCancel, a.Status)
	}
	a.Status = StatusCancelled
	a.StatusReason = reason
	a.StatusBy = by
	a.touch(now)
	return events.AllocationCancelledType, nil
}

// Cancellable reports whether a regulator may still cancel or redirect
// the allocation: proposed, accepted or dispatched.
func (a Allocation) Cancellable() bool {
	return a.Status == StatusProposed || a.Status == StatusAccepted || a.Status == StatusDispatched
}

// RegulatorBy is how a regulator is named in decided_by and status_by.
func RegulatorBy(orgID string) string { return "regulator:" + orgID }

// IsRegulatorBy reports whether decidedBy names a regulator (RegulatorBy)
// rather than a policy version.
func IsRegulatorBy(decidedBy string) bool { return strings.HasPrefix(decidedBy, "regulator:") }

// Expire ends a proposal its source did not accept in time.
func (a *Allocation) Expire(ttl time.Duration, now time.Time) (string, error) {
	if a.Status != StatusProposed {
		return "", conflict(ErrNotExpirable, a.Status)
	}
	a.Status = StatusExpired
	a.StatusReason = "not accepted within " + ttl.String()
	a.touch(now)
	return events.AllocationExpiredType, nil
}

// ValidReason trims a written reason and checks it: required, at most
// MaxReasonLength characters, no control characters but line breaks.
func ValidReason(s string) (string, error) {
	var v apperr.Validation
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		v.Add("reason", "is required: say why, in words the other parties and the public can read")
	case utf8.RuneCountInString(s) > MaxReasonLength:
		v.Add("reason", "must be at most %d characters", MaxReasonLength)
	case hasControlExceptNewline(s):
		v.Add("reason", "must not contain control characters")
	}
	return s, v.Err()
}

func hasControl(s string) bool { return strings.IndexFunc(s, unicode.IsControl) >= 0 }

func hasControlExceptNewline(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' }) >= 0
}

// ---- events ----

// Snapshot is the allocation as every allocation_* event carries it.
func (a Allocation) Snapshot() events.Allocation {
	return events.Allocation{
		AllocationID: a.ID, Version: a.Version, NeedID: a.NeedID, HospitalID: a.HospitalID,
		HospitalRegion: a.HospitalRegion, Item: a.Item, Quantity: a.Quantity,
		SourceKind: a.SourceKind, SourceID: a.SourceID, SourceOrgID: a.SourceOrgID, SourceRegion: a.SourceRegion,
		Status: a.Status, ShippedQuantity: a.ShippedQuantity, ReceivedQuantity: a.ReceivedQuantity,
		DamagedQuantity: a.DamagedQuantity, DecidedBy: a.DecidedBy, Reason: a.Reason, StatusReason: a.StatusReason,
		StatusBy: a.StatusBy, RedirectedFrom: a.RedirectedFrom, RedirectedTo: a.RedirectedTo,
		CreatedAt: a.CreatedAt.UTC().Format(time.RFC3339Nano), UpdatedAt: a.UpdatedAt.UTC().Format(time.RFC3339Nano),
		Partition: a.Writer.Partition, Sequence: a.Writer.Sequence, Applied: a.Writer.Applied,
	}
}

// Event announces the allocation's current state under eventType. Its id
// derives from the allocation's id and version, so the same change is the
// same event however often it is relayed. The organization is the source's,
// except for receipts, which are the hospital's act.
func (a Allocation) Event(eventType string) events.Envelope {
	return a.event(eventType, a.Snapshot())
}

// proposalEvent is allocation_proposed with the time the proposal expires
// unless accepted (created_at + ttl), so a source can be warned in time.
// Only capacity allocations wait for acceptance; ttl 0 names no time.
func (a Allocation) proposalEvent(ttl time.Duration) events.Envelope {
	snap := a.Snapshot()
	if a.SourceKind == policy.KindCapacity && ttl > 0 {
		snap.ExpiresAt = a.CreatedAt.Add(ttl).UTC().Format(time.RFC3339Nano)
	}
	return a.event(events.AllocationProposedType, snap)
}

func (a Allocation) event(eventType string, snap events.Allocation) events.Envelope {
	org := a.SourceOrgID
	if eventType == events.AllocationReceivedType {
		org = a.HospitalID
	}
	sum := sha256.Sum256([]byte(a.ID + "#" + strconv.FormatInt(a.Version, 10)))
	return events.MustNew(Source, events.AllocationEvent{Type: eventType, Allocation: snap},
		events.Meta{ID: hex.EncodeToString(sum[:13]), Subject: a.ID, OrgID: org, Item: a.Item, Time: a.UpdatedAt})
}

// NewAllocationInput is what a new allocation is made from.
type NewAllocationInput struct {
	ID        string
	Need      Need
	Offer     Offer
	Quantity  int64
	DecidedBy string
	Reason    string
	RunID     string
	// TTL is how long a capacity proposal waits for acceptance; its
	// allocation_proposed event says when it expires.
	TTL time.Duration
	// RedirectedFrom names the allocation a regulator's redirect takes
	// the units from.
	RedirectedFrom string
	// Writer is the matcher making it.
	Writer Writer
}

// NewAllocation makes an allocation with the events that announce it. A
// capacity allocation is proposed and waits for the manufacturer; a
// donation allocation is accepted at once (the donor pledged the units to
// be given), announced as proposed then accepted so every consumer sees
// both steps.
func NewAllocation(in NewAllocationInput, now time.Time) (Allocation, []events.Envelope) {
	now = stamp(now)
	a := Allocation{
		ID: in.ID, Version: 1, NeedID: in.Need.ID, HospitalID: in.Need.HospitalID, HospitalRegion: in.Need.Region,
		Item: in.Need.Item, Quantity: in.Quantity, SourceKind: in.Offer.Kind, SourceID: in.Offer.ID,
		SourceOrgID: in.Offer.OrgID, SourceRegion: in.Offer.Region, Status: StatusProposed,
		DecidedBy: in.DecidedBy, Reason: in.Reason, RunID: in.RunID, SourceReport: in.Offer.ReportID, CreatedAt: now, UpdatedAt: now,
		RedirectedFrom: in.RedirectedFrom, Writer: in.Writer,
	}
	evs := []events.Envelope{a.proposalEvent(in.TTL)}
	if a.SourceKind == policy.KindDonation {
		t, _ := a.Accept(now)
		evs = append(evs, a.Event(t))
	}
	return a, evs
}
