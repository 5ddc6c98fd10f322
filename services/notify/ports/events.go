package ports

import (
	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/notify/app"
	"github.com/aidflow/aidflow/shared/bus"
)

// Consumers are notify's durable consumers: only the event types that
// concern someone (domain.Route) or the expiry watches.
var Consumers = []bus.ConsumerSpec{
	{Name: "notify-matcher", Stream: "matcher", Types: events.AllocationTypes},
	{Name: "notify-demand", Stream: "demand", Types: []string{events.NeedStaleType}},
	{Name: "notify-donation", Stream: "donation", Types: []string{events.DirectedGiftOverdueType}},
	{Name: "notify-audit", Stream: "audit", Types: []string{events.AnomalyRaisedType}},
}

// EventHandler applies an event (app.HandleEvent).
func EventHandler(a *app.App) bus.Handler { return a.HandleEvent }
