package ports

import (
	"context"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/donation/app"
	"github.com/aidflow/aidflow/shared/bus"
)

// AllocationsConsumer is the durable consumer of the matcher's allocation
// events that records what happened to donated units.
var AllocationsConsumer = bus.ConsumerSpec{Name: "donation-allocations", Stream: "matcher", Types: events.AllocationTypes}

// OrgsConsumer is the durable consumer of the registry's announcements of
// organizations: hospitals a gift may be directed to, and their names.
var OrgsConsumer = bus.ConsumerSpec{Name: "donation-orgs", Stream: "registry", Types: []string{events.OrgRegisteredType}}

// AllocationHandler applies allocation snapshots to donations.
func AllocationHandler(a *app.App) bus.Handler {
	return bus.Typed(func(ctx context.Context, e events.Envelope, al events.Allocation) error {
		return a.ApplyAllocation(ctx, al, e.Time)
	})
}

// OrgHandler records organizations.
func OrgHandler(a *app.App) bus.Handler {
	return bus.Typed(func(ctx context.Context, _ events.Envelope, o events.OrgRegistered) error {
		return a.RecordOrg(ctx, o)
	})
}

// CorrectionsConsumer is the durable consumer of the audit's corrections:
// those of a donation's events or its allocations' show on its journey.
var CorrectionsConsumer = bus.ConsumerSpec{Name: "donation-corrections", Stream: "audit", Types: []string{events.RecordCorrectedType}}

// CorrectionHandler keeps corrections of donations and their allocations.
func CorrectionHandler(a *app.App) bus.Handler {
	return bus.Typed(func(ctx context.Context, e events.Envelope, rc events.RecordCorrected) error {
		return a.ApplyCorrection(ctx, e, rc)
	})
}
