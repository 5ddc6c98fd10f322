package bus

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/aidflow/aidflow/contracts/events"
)

// Follower feeds an in-memory view (such as the revocation set) from the
// start of a stream with an ephemeral ordered consumer. It keeps no state in
// NATS: every start replays the stream.
type Follower struct {
	cc       jetstream.ConsumeContext
	cons     jetstream.Consumer
	caughtUp chan struct{}
}

// Follow replays the service's stream filtered to types, calling apply for
// each event in order, and keeps following. CaughtUp is closed once every
// event stored at the start has been applied.
func (b *Bus) Follow(ctx context.Context, stream string, types []string, apply func(events.Envelope)) (*Follower, error) {
	var filters []string
	for _, t := range types {
		filters = append(filters, t+".>")
	}
	cons, err := b.js.OrderedConsumer(ctx, events.StreamName(stream), jetstream.OrderedConsumerConfig{
		FilterSubjects: filters,
		DeliverPolicy:  jetstream.DeliverAllPolicy,
	})
	if err != nil {
		return nil, fmt.Errorf("follow %s: %w", stream, err)
	}
	info, err := cons.Info(ctx)
	if err != nil {
		return nil, err
	}
	f := &Follower{cons: cons, caughtUp: make(chan struct{})}
	pending := info.NumPending
	if pending == 0 {
		close(f.caughtUp)
	}
	var n uint64
	f.cc, err = cons.Consume(func(msg jetstream.Msg) {
		var e events.Envelope
		if json.Unmarshal(msg.Data(), &e) == nil {
			apply(e)
		}
		n++
		if n == pending {
			close(f.caughtUp)
		}
	})
	if err != nil {
		return nil, err
	}
	go func() { <-ctx.Done(); f.cc.Stop() }()
	return f, nil
}

// CaughtUp is closed when the events stored at start have been applied.
func (f *Follower) CaughtUp() <-chan struct{} { return f.caughtUp }

// Stop ends following.
func (f *Follower) Stop() { f.cc.Stop() }
