package ports

import (
	"context"
	"fmt"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/supply/app"
	"github.com/aidflow/aidflow/shared/bus"
)

// AllocationsConsumer is the durable consumer of the matcher's allocation
// events that keeps reserved and available_now current.
var AllocationsConsumer = bus.ConsumerSpec{Name: "supply-allocations", Stream: "matcher", Types: events.AllocationTypes}

// AllocationHandler applies allocation snapshots to capacity reports.
func AllocationHandler(a *app.App) bus.Handler {
	return func(ctx context.Context, e events.Envelope) error {
		var al events.Allocation
		if err := e.Decode(&al); err != nil {
			return fmt.Errorf("%w: %v", bus.ErrPermanent, err)
		}
		return a.ApplyAllocation(ctx, al)
	}
}
