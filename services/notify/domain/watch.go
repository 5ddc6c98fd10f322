package domain

import (
	"time"

	"github.com/aidflow/aidflow/contracts/events"
)

// DefaultExpiringWithin is how long before a proposal expires its
// manufacturer is told (allocation.expiring).
const DefaultExpiringWithin = 6 * time.Hour

// Watch is a proposed capacity allocation whose manufacturer will be
// told before it expires, unless it is accepted, declined or ended first.
type Watch struct {
	AllocationID string
	OrgID        string
	Version      int64
	ExpiresAt    time.Time
	// Data is the allocation as proposed, for the notification.
	Data map[string]any
}

// WatchOf returns the watch an allocation_proposed event starts: a
// capacity allocation with an expiry time. ok is false otherwise.
func WatchOf(e events.Envelope) (Watch, bool, error) {
	if e.Type != events.AllocationProposedType {
		return Watch{}, false, nil
	}
	var a events.Allocation
	if err := e.Decode(&a); err != nil {
		return Watch{}, false, err
	}
	if a.SourceKind != "capacity" || a.ExpiresAt == "" || a.SourceOrgID == "" {
		return Watch{}, false, nil
	}
	at, err := time.Parse(time.RFC3339Nano, a.ExpiresAt)
	if err != nil {
		return Watch{}, false, err
	}
	return Watch{AllocationID: a.AllocationID, OrgID: a.SourceOrgID, Version: a.Version, ExpiresAt: at.UTC(), Data: AllocationData(a)}, true, nil
}

// Ends reports whether an allocation event ends the watch on its
// allocation: any change after the proposal (accepted, declined, expired,
// cancelled, …).
func Ends(e events.Envelope) (allocationID string, ok bool) {
	switch e.Type {
	case events.AllocationAcceptedType, events.AllocationDeclinedType, events.AllocationDispatchedType,
		events.AllocationReceivedType, events.AllocationExpiredType, events.AllocationCancelledType:
		return e.Subject, e.Subject != ""
	}
	return "", false
}

// Due reports whether the manufacturer should be told now: within the
// warning time of the expiry, and not after it (the expiry itself is
// announced by allocation.expired).
func (w Watch) Due(now time.Time, within time.Duration) bool {
	return !now.Before(w.ExpiresAt.Add(-within)) && now.Before(w.ExpiresAt)
}

// Notification is the allocation.expiring notification of the watch.
func (w Watch) Notification(now time.Time) Notification {
	data := make(map[string]any, len(w.Data)+1)
	for k, v := range w.Data {
		data[k] = v
	}
	data["expires_at"] = w.ExpiresAt.Format(time.RFC3339Nano)
	return Notification{
		ID: NotificationID(w.AllocationID, AllocationExpiring, w.OrgID), Type: AllocationExpiring, Time: now.UTC().Truncate(time.Millisecond),
		Subject: w.AllocationID, Data: data, OrgID: w.OrgID,
	}
}
