package domain

import (
	"context"

	"github.com/aidflow/aidflow/contracts/events"
)

// Repository stores the matcher's state: the projections it keeps of other
// services' announcements and the allocations it owns. Every write
// addresses one document by id; Load is the only read of whole
// collections, once at start.
type Repository interface {
	// Load reads everything (one read per collection).
	Load(ctx context.Context) (Snapshot, error)
	// SaveHospital, SaveNeed and SaveOffer store or replace a projection,
	// with the input event it was written from (Snapshot.Inputs). Every
	// partition holds every hospital: a hospital written from an older
	// event of its stream than the stored one is left as it is.
	SaveHospital(ctx context.Context, h Hospital, from Input) error
	SaveNeed(ctx context.Context, n Need, from Input) error
	SaveOffer(ctx context.Context, o Offer, from Input) error
	// SaveStock stores or replaces a hospital's stock report of an item.
	SaveStock(ctx context.Context, s Stock, from Input) error
	// InsertAllocation stores a new allocation with the events announcing
	// it, in one write; ErrAllocationExists if the id is taken.
	InsertAllocation(ctx context.Context, a Allocation, evs ...events.Envelope) error
	// UpdateAllocation replaces a stored allocation's state and appends
	// its events, in one write; ErrAllocationNotFound if there is none.
	// The caller serialises writes to one allocation.
	UpdateAllocation(ctx context.Context, a Allocation, evs ...events.Envelope) error
	// GetAllocation reads one allocation from the store.
	GetAllocation(ctx context.Context, id string) (Allocation, error)
}
