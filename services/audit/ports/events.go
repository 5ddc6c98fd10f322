package ports

import (
	"context"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/audit/app"
	"github.com/aidflow/aidflow/shared/bus"
)

// Streams are the streams the log records: every service's but audit's
// own. Its checkpoint_signed events are statements about the log; were
// they recorded, each checkpoint would grow the log and call for the next,
// so an idle system would sign for ever. They are kept in the checkpoint
// history instead.
func Streams() []string {
	var out []string
	for _, s := range events.Services {
		if s != app.Source {
			out = append(out, s)
		}
	}
	return out
}

// AnomalySpec records the audit service's own anomaly_raised events in
// the log (but not its checkpoint_signed ones, see Streams): anomalies
// are findings the public should be able to verify were not withdrawn.
func AnomalySpec() bus.ConsumerSpec {
	return bus.ConsumerSpec{Name: "audit-anomalies", Stream: app.Source, Types: []string{events.AnomalyRaisedType}}
}

// ConsumerSpec is the durable consumer of one stream: every type, one
// event at a time so the log keeps each stream's order.
func ConsumerSpec(stream string) bus.ConsumerSpec {
	return bus.ConsumerSpec{Name: "audit-" + stream, Stream: stream}
}

// Appender is the handler every consumer shares; appends are serialised
// inside app.App, across streams.
func Appender(a *app.App) bus.Handler {
	return func(ctx context.Context, e events.Envelope) error {
		_, _, err := a.Append(ctx, e)
		return err
	}
}
