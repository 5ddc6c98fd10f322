package ports

import (
	"context"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/matcher/app"
	"github.com/aidflow/aidflow/services/matcher/domain"
	"github.com/aidflow/aidflow/shared/bus"
)

// Consumer is one durable consumer and its handler.
type Consumer struct {
	Spec    bus.ConsumerSpec
	Handler bus.Handler
}

// Consumers are the matcher's inputs, one durable consumer per stream,
// each delivering in order one event at a time (MaxAckPending 1). Every
// event matches its item again.
//
// A partition's consumers are its own (durable names with the partition's,
// see ConsumerName) and take only its items' events, filtered on the
// subject's item token; registrations and donations carry no item (a
// donation may give several) and reach every partition, which keeps what
// concerns it.
func Consumers(a *app.App) []Consumer {
	p := a.Partition
	name := func(stream string) string { return ConsumerName(p, stream) }
	return []Consumer{
		{bus.ConsumerSpec{Name: name("registry"), Stream: "registry", Types: []string{events.OrgRegisteredType}, MaxAckPending: 1},
			decoded(func(ctx context.Context, t app.Trigger, e events.Envelope, d events.OrgRegistered) error {
				return a.HospitalRegistered(ctx, t, d)
			})},
		{bus.ConsumerSpec{Name: name("demand"), Stream: "demand", MaxAckPending: 1, Items: p.Items,
			Types: []string{events.NeedPostedType, events.NeedCancelledType, events.NeedConfirmedType, events.NeedStaleType, events.StockReportedType}},
			func(ctx context.Context, e events.Envelope) error {
				switch e.Type {
				case events.StockReportedType:
					return decoded(func(ctx context.Context, t app.Trigger, _ events.Envelope, d events.StockReported) error {
						return a.StockReported(ctx, t, d)
					})(ctx, e)
				case events.NeedPostedType:
					return decoded(func(ctx context.Context, t app.Trigger, _ events.Envelope, d events.NeedPosted) error {
						return a.NeedPosted(ctx, t, d)
					})(ctx, e)
				}
				return decoded(func(ctx context.Context, t app.Trigger, e events.Envelope, d events.NeedChanged) error {
					return a.NeedStatusChanged(ctx, t, e.Type, d)
				})(ctx, e)
			}},
		{bus.ConsumerSpec{Name: name("supply"), Stream: "supply", Types: []string{events.CapacityReportedType}, Items: p.Items, MaxAckPending: 1},
			decoded(func(ctx context.Context, t app.Trigger, _ events.Envelope, d events.CapacityReported) error {
				return a.CapacityReported(ctx, t, d)
			})},
		{bus.ConsumerSpec{Name: name("donation"), Stream: "donation", Types: []string{events.DonationPledgedType}, MaxAckPending: 1},
			decoded(func(ctx context.Context, t app.Trigger, _ events.Envelope, d events.DonationPledged) error {
				return a.DonationPledged(ctx, t, d)
			})},
		// Its own events: units given back, or received damaged, are matched again.
		{bus.ConsumerSpec{Name: name("rematch"), Stream: "matcher", MaxAckPending: 1, Items: p.Items,
			Types: []string{events.AllocationDeclinedType, events.AllocationExpiredType, events.AllocationCancelledType, events.AllocationReceivedType}},
			decoded(func(ctx context.Context, t app.Trigger, _ events.Envelope, d events.Allocation) error {
				return a.AllocationReleased(ctx, t, d)
			})},
	}
}

// ConsumerName is the durable consumer of a stream for partition p:
// "matcher-<stream>" for the partition of every item (the names from
// before partitions, so an existing deployment resumes where it was),
// "matcher-<partition>-<stream>" for the others, so partitions sharing
// the streams and the database keep their own positions and processed
// marks.
func ConsumerName(p domain.Partition, stream string) string {
	if p.Whole() {
		return "matcher-" + stream
	}
	return "matcher-" + p.Name + "-" + stream
}

// decoded turns a typed handler into a bus handler. An event whose data
// cannot be read never will be: it is refused for good, not retried. The
// trigger places the event in its stream (the owning service's) for the
// matcher's record of how far it has read (app.Trigger).
func decoded[T any](h func(context.Context, app.Trigger, events.Envelope, T) error) bus.Handler {
	return bus.Typed(func(ctx context.Context, e events.Envelope, d T) error {
		return h(ctx, app.Trigger{EventID: e.ID, Time: e.Time, Stream: e.Source, Seq: bus.Sequence(ctx)}, e, d)
	})
}
