package ports

import (
	"context"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/demand/app"
	"github.com/aidflow/aidflow/shared/bus"
)

// AllocationsConsumer is the durable consumer of the matcher's allocation
// events, which keep each need's allocated, dispatched and delivered
// quantities and its status current.
var AllocationsConsumer = bus.ConsumerSpec{
	Name:   "demand-allocations",
	Stream: "matcher",
	Types:  events.AllocationTypes,
}

// AllocationHandler applies one allocation event to its need. It is
// idempotent by the allocation's version. An event that cannot be read, or
// names a need that is not ours, is refused for good (the consumer logs
// and terminates it): no retry would fix it.
func AllocationHandler(a *app.App) bus.Handler {
	return bus.Typed(func(ctx context.Context, _ events.Envelope, al events.Allocation) error {
		_, err := a.ApplyAllocation(ctx, al)
		return err
	})
}
