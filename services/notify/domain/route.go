// Package domain holds notify's rules: which events concern which
// organization (Route), subscriptions, deliveries and their retry
// schedule, signatures, and which addresses a webhook may reach.
package domain

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/shared/auth"
)

// Event types a subscriber can ask for, by the role that may.
const (
	AllocationProposed  = "allocation.proposed"
	AllocationExpiring  = "allocation.expiring"
	AllocationExpired   = "allocation.expired"
	AllocationCancelled = "allocation.cancelled"

	NeedAllocated           = "need.allocated"
	NeedDispatched          = "need.dispatched"
	NeedAllocationCancelled = "need.allocation_cancelled"
	NeedStale               = "need.stale"

	DonationAllocated  = "donation.allocated"
	DonationDispatched = "donation.dispatched"
	DonationDelivered  = "donation.delivered"
	DonationOverdue    = "donation.overdue"

	AnomalyRaised = "anomaly.raised"
)

// EventsByRole are the event types each role may subscribe to: those that
// concern an organization of that role.
var EventsByRole = map[string][]string{
	auth.Manufacturer: {AllocationProposed, AllocationExpiring, AllocationExpired, AllocationCancelled},
	auth.Hospital:     {NeedAllocated, NeedDispatched, NeedAllocationCancelled, NeedStale},
	auth.Donor:        {DonationAllocated, DonationDispatched, DonationDelivered, DonationOverdue},
	auth.Regulator:    {AnomalyRaised},
}

// Notification is one thing an organization (or every organization of a
// role) is told, by webhook and on its live feed. Its ID derives from the
// event that caused it, so a replayed event makes the same notification.
type Notification struct {
	ID   string `json:"id"`
	Type string `json:"type"`
	// Time is the time of the event that caused it.
	Time time.Time `json:"time"`
	// Subject is what it is about: an allocation, a need, a donation, an
	// anomaly id. Deliveries of one subject keep their order.
	Subject string `json:"subject"`
	// Data holds fields of the event only: ids, items, quantities,
	// statuses, regions, times. Never free text a person wrote.
	Data map[string]any `json:"data"`

	// OrgID is the organization it concerns; empty when Role is set.
	OrgID string `json:"-"`
	// Role addresses every organization of a role (anomalies: regulators).
	Role string `json:"-"`
}

// FeedKey is the live feed a notification goes to: its organization's, or
// the one feed every organization of its role reads.
func (n Notification) FeedKey() string {
	if n.Role != "" {
		return RoleFeed(n.Role)
	}
	return n.OrgID
}

// RoleFeed names the feed shared by every organization of a role.
func RoleFeed(role string) string { return "role:" + role }

// FeedKeyOf is the feed an organization reads: regulators are told only
// what every regulator is told (anomalies), so they read the role's feed;
// the others their own.
func FeedKeyOf(c auth.Claims) string {
	if c.Role == auth.Regulator {
		return RoleFeed(auth.Regulator)
	}
	return c.OrgID
}

// Concerns reports whether an organization (id and role) is told n.
func (n Notification) Concerns(orgID, role string) bool {
	if n.Role != "" {
		return n.Role == role
	}
	return n.OrgID == orgID
}

// Body is the JSON a webhook receives and a live feed carries.
func (n Notification) Body() []byte {
	b, err := json.Marshal(n)
	if err != nil {
		panic(err) // maps of strings and numbers always encode
	}
	return b
}

// NotificationID derives a notification's id from what caused it (an
// event id, or an allocation id and "expiring") and the audience.
func NotificationID(cause, typ, audience string) string {
	sum := sha256.Sum256([]byte(cause + "\x00" + typ + "\x00" + audience))
	return "ntf_" + hex.EncodeToString(sum[:12])
}

// Route returns the notifications an event causes, one per organization
// (or role) it concerns, built from the event's own fields. Events that
// concern nobody return none.
func Route(e events.Envelope) ([]Notification, error) {
	r := router{e: e}
	switch e.Type {
	case events.AllocationProposedType, events.AllocationDispatchedType, events.AllocationReceivedType,
		events.AllocationExpiredType, events.AllocationCancelledType:
		var a events.Allocation
		if err := e.Decode(&a); err != nil {
			return nil, err
		}
		r.allocation(a)
	case events.NeedStaleType:
		var n events.NeedChanged
		if err := e.Decode(&n); err != nil {
			return nil, err
		}
		r.add(NeedStale, n.HospitalID, "", n.NeedID, map[string]any{
			"need_id": n.NeedID, "item": n.Item, "region": n.Region, "status": n.Status})
	case events.DirectedGiftOverdueType:
		var d events.DirectedGiftOverdue
		if err := e.Decode(&d); err != nil {
			return nil, err
		}
		r.add(DonationOverdue, d.DonorID, "", d.DonationID, map[string]any{
			"donation_id": d.DonationID, "directed_hospital_id": d.DirectedHospitalID, "directed_region": d.DirectedRegion,
			"pledged_at": d.PledgedAt, "due_at": d.DueAt, "pledged": d.Pledged, "delivered": d.Delivered})
	case events.AnomalyRaisedType:
		var a events.AnomalyRaised
		if err := e.Decode(&a); err != nil {
			return nil, err
		}
		r.add(AnomalyRaised, "", auth.Regulator, a.AnomalyID, map[string]any{
			"anomaly_id": a.AnomalyID, "rule": a.Rule, "subject_kind": a.SubjectKind, "subject_id": a.SubjectID,
			"org_id": a.OrgID, "item": a.Item, "region": a.Region, "threshold": a.Threshold, "observed": a.Observed,
			"since": a.Since, "raised_at": a.RaisedAt})
	}
	return r.out, nil
}

type router struct {
	e   events.Envelope
	out []Notification
}

func (r *router) add(typ, orgID, role, subject string, data map[string]any) {
	if orgID == "" && role == "" {
		return
	}
	for k, v := range data {
		if v == "" {
			delete(data, k) // optional fields the event did not carry
		}
	}
	r.out = append(r.out, Notification{
		ID: NotificationID(r.e.ID, typ, orgID+role), Type: typ, Time: r.e.Time.UTC(), Subject: subject, Data: data,
		OrgID: orgID, Role: role,
	})
}

// allocationKind says which change of an allocation this is for its
// source and for its hospital ("" when it does not concern them).
var allocationKind = map[string]struct{ manufacturer, donor, hospital string }{
	events.AllocationProposedType:   {AllocationProposed, DonationAllocated, NeedAllocated},
	events.AllocationDispatchedType: {"", DonationDispatched, NeedDispatched},
	events.AllocationReceivedType:   {"", DonationDelivered, ""},
	events.AllocationExpiredType:    {AllocationExpired, "", ""},
	events.AllocationCancelledType:  {AllocationCancelled, "", NeedAllocationCancelled},
}

func (r *router) allocation(a events.Allocation) {
	kinds := allocationKind[r.e.Type]
	source := kinds.manufacturer
	if a.SourceKind == "donation" {
		source = kinds.donor
	}
	if source != "" {
		r.add(source, a.SourceOrgID, "", a.AllocationID, AllocationData(a))
	}
	if kinds.hospital != "" {
		r.add(kinds.hospital, a.HospitalID, "", a.AllocationID, AllocationData(a))
	}
}

// AllocationData is what a notification says about an allocation: its
// ids, item, quantities, status and regions. Decline and cancel reasons
// are free text and stay out.
func AllocationData(a events.Allocation) map[string]any {
	return map[string]any{
		"allocation_id": a.AllocationID, "version": a.Version, "need_id": a.NeedID, "hospital_id": a.HospitalID,
		"hospital_region": a.HospitalRegion, "item": a.Item, "quantity": a.Quantity, "source_kind": a.SourceKind,
		"source_org_id": a.SourceOrgID, "source_region": a.SourceRegion, "status": a.Status,
		"shipped_quantity": a.ShippedQuantity, "received_quantity": a.ReceivedQuantity, "expires_at": a.ExpiresAt,
	}
}
