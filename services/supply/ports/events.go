package ports

import (
	"context"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/supply/app"
	"github.com/aidflow/aidflow/shared/bus"
)

// AllocationsConsumer is the durable consumer of the matcher's allocation
// events that keeps reserved and available_now current.
var AllocationsConsumer = bus.ConsumerSpec{Name: "supply-allocations", Stream: "matcher", Types: events.AllocationTypes}

// AllocationHandler applies allocation snapshots to capacity reports.
func AllocationHandler(a *app.App) bus.Handler {
	return bus.Typed(func(ctx context.Context, _ events.Envelope, al events.Allocation) error {
		return a.ApplyAllocation(ctx, al)
	})
}
