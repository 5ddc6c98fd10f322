package domain

import "time"

// Timeline entry types: the need's own events, and what happened to its
// allocations as the matcher's snapshots told it.
const (
	TimelinePosted               = "posted"
	TimelineConfirmed            = "confirmed"
	TimelineCancelled            = "cancelled"
	TimelineStale                = "stale"
	TimelineAllocationProposed   = "allocation_proposed"
	TimelineAllocationAccepted   = "allocation_accepted"
	TimelineAllocationDeclined   = "allocation_declined"
	TimelineAllocationDispatched = "allocation_dispatched"
	TimelineAllocationReceived   = "allocation_received"
	TimelineAllocationExpired    = "allocation_expired"
	TimelineAllocationCancelled  = "allocation_cancelled"
)

// MaxTimeline bounds the entries a need keeps: the posting and the latest
// MaxTimeline-1 others. Each allocation adds about four, so this covers
// some fifty allocations before the middle is dropped; the bound keeps the
// document, and the in-memory index holding it, small.
const MaxTimeline = 200

// TimelineEntry is one step of a need's history.
type TimelineEntry struct {
	At   time.Time
	Type string
	// Status is the need's status after the step.
	Status       string
	AllocationID string
	// Quantity is what was asked for (posted) or the allocation's quantity.
	Quantity int64
	Shipped  int64
	Received int64
	Damaged  int64
}

// TimelineEntries returns the need's history, oldest first, and how many entries
// were dropped to keep the bound. A need stored before timelines were
// kept shows its posting only.
func (n Need) TimelineEntries() ([]TimelineEntry, int64) {
	if len(n.Timeline) == 0 {
		return []TimelineEntry{{At: n.CreatedAt, Type: TimelinePosted, Status: StatusOpen, Quantity: n.Quantity}}, n.TimelineOmitted
	}
	return append([]TimelineEntry(nil), n.Timeline...), n.TimelineOmitted
}

// record appends an entry after refresh, dropping the oldest entry but the
// posting when the bound is reached.
func (n *Need) record(e TimelineEntry) {
	if len(n.Timeline) == 0 && e.Type != TimelinePosted {
		// A need stored before timelines were kept: start with its posting.
		n.Timeline, _ = n.TimelineEntries()
	}
	e.Status = n.Status
	if len(n.Timeline) >= MaxTimeline {
		n.Timeline = append(n.Timeline[:1], n.Timeline[2:]...)
		n.TimelineOmitted++
	}
	n.Timeline = append(n.Timeline, e)
}

// allocationStep names what a new snapshot of an allocation says happened,
// compared with the one held (nil if none).
func allocationStep(prev *Allocation, a Allocation) string {
	if prev != nil && prev.Status == a.Status {
		switch {
		case a.Received != prev.Received || a.Damaged != prev.Damaged:
			return TimelineAllocationReceived
		case a.Shipped != prev.Shipped:
			return TimelineAllocationDispatched
		}
	}
	switch a.Status {
	case AllocationAccepted:
		return TimelineAllocationAccepted
	case AllocationDeclined:
		return TimelineAllocationDeclined
	case AllocationDispatched:
		return TimelineAllocationDispatched
	case AllocationDelivered:
		return TimelineAllocationReceived
	case AllocationExpired:
		return TimelineAllocationExpired
	case AllocationCancelled:
		return TimelineAllocationCancelled
	}
	return TimelineAllocationProposed
}
