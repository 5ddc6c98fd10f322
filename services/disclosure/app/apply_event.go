package app

import (
	"context"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/disclosure/domain"
	"github.com/aidflow/aidflow/shared/bus"
)

// Types are the event types the read model is built from.
var Types = append([]string{
	events.OrgRegisteredType,
	events.NeedPostedType, events.NeedConfirmedType, events.NeedCancelledType, events.NeedStaleType,
	events.CapacityReportedType,
	events.DonationPledgedType,
	events.RecordCorrectedType,
}, events.AllocationTypes...)

// ApplyEvent applies one event to the read model, keeping public fields
// only. It is idempotent: an event already applied, or older than what the
// model holds (allocations by version, capacity by revision), changes
// nothing. Types it does not use are ignored.
func (a *App) ApplyEvent(ctx context.Context, e events.Envelope) error {
	switch e.Type {
	case events.RecordCorrectedType:
		var d events.RecordCorrected
		if err := decode(e, &d); err != nil {
			return err
		}
		return a.change(ctx, func(m *domain.Model) (bool, func(context.Context) error, func(*domain.Model)) {
			c, ok := m.RecordCorrected(e.ID, e.Subject, e.Time, d)
			return ok, func(ctx context.Context) error { return a.Store.PutCorrection(ctx, c) }, func(m *domain.Model) { m.SetCorrection(c) }
		})
	case events.OrgRegisteredType:
		var d events.OrgRegistered
		if err := decode(e, &d); err != nil {
			return err
		}
		return a.change(ctx, func(m *domain.Model) (bool, func(context.Context) error, func(*domain.Model)) {
			o, ok := m.OrgRegistered(d)
			return ok, func(ctx context.Context) error { return a.Store.PutOrg(ctx, o) }, func(m *domain.Model) { m.SetOrg(o) }
		})
	case events.NeedPostedType:
		var d events.NeedPosted
		if err := decode(e, &d); err != nil {
			return err
		}
		return a.change(ctx, func(m *domain.Model) (bool, func(context.Context) error, func(*domain.Model)) {
			n, ok := m.NeedPosted(d, e.Time)
			return ok, func(ctx context.Context) error { return a.Store.PutNeed(ctx, n) }, func(m *domain.Model) { m.SetNeed(n) }
		})
	case events.NeedConfirmedType, events.NeedCancelledType, events.NeedStaleType:
		var d events.NeedChanged
		if err := decode(e, &d); err != nil {
			return err
		}
		return a.change(ctx, func(m *domain.Model) (bool, func(context.Context) error, func(*domain.Model)) {
			n, ok := m.NeedChanged(d)
			return ok, func(ctx context.Context) error { return a.Store.PutNeed(ctx, n) }, func(m *domain.Model) { m.SetNeed(n) }
		})
	case events.CapacityReportedType:
		var d events.CapacityReported
		if err := decode(e, &d); err != nil {
			return err
		}
		return a.change(ctx, func(m *domain.Model) (bool, func(context.Context) error, func(*domain.Model)) {
			c, ok := m.CapacityReported(d, e.Time)
			return ok, func(ctx context.Context) error { return a.Store.PutCapacity(ctx, c) }, func(m *domain.Model) { m.SetCapacity(c) }
		})
	case events.DonationPledgedType:
		var d events.DonationPledged
		if err := decode(e, &d); err != nil {
			return err
		}
		return a.change(ctx, func(m *domain.Model) (bool, func(context.Context) error, func(*domain.Model)) {
			don, ok := m.DonationPledged(d)
			return ok, func(ctx context.Context) error { return a.Store.PutDonation(ctx, don) }, func(m *domain.Model) { m.SetDonation(don) }
		})
	}
	if isAllocation(e.Type) {
		var d events.Allocation
		if err := decode(e, &d); err != nil {
			return err
		}
		return a.change(ctx, func(m *domain.Model) (bool, func(context.Context) error, func(*domain.Model)) {
			al, ok := m.AllocationChanged(d, e.Time)
			return ok, func(ctx context.Context) error { return a.Store.PutAllocation(ctx, al) }, func(m *domain.Model) { m.SetAllocation(al) }
		})
	}
	return nil
}

func isAllocation(t string) bool {
	for _, x := range events.AllocationTypes {
		if x == t {
			return true
		}
	}
	return false
}

// decode reads an event's data; data that does not decode never will, so
// the event is refused for good rather than retried.
func decode(e events.Envelope, v any) error { return bus.Decode(e, v) }
