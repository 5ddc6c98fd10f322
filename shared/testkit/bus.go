package testkit

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/shared/bus"
)

// Bus connects to the NATS server at url, makes sure every service's
// stream exists, and closes the connection when the test ends.
func Bus(tb testing.TB, url string) *bus.Bus {
	tb.Helper()
	b, err := bus.Connect(context.Background(), bus.Options{URL: url, Name: "test"})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(b.Close)
	if err := b.EnsureStreams(context.Background(), events.Services...); err != nil {
		tb.Fatal(err)
	}
	return b
}

// Publish sends events as their owners would, failing the test on the
// first that JetStream does not store.
func Publish(tb testing.TB, b *bus.Bus, evs ...events.Envelope) {
	tb.Helper()
	for _, e := range evs {
		if err := b.Publish(tb.Context(), e); err != nil {
			tb.Fatal(err)
		}
	}
}

// Recorder keeps every event a Follow of one stream delivers, in order.
type Recorder struct {
	mu  sync.Mutex
	evs []events.Envelope
}

// Record follows stream (filtered to types; nil: all) from its start until
// the test ends, keeping what it sees.
func Record(tb testing.TB, b *bus.Bus, stream string, types []string) *Recorder {
	tb.Helper()
	r := &Recorder{}
	f, err := b.Follow(tb.Context(), stream, types, func(e events.Envelope) {
		r.mu.Lock()
		r.evs = append(r.evs, e)
		r.mu.Unlock()
	})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(f.Stop)
	return r
}

// Events is a copy of what has been seen so far.
func (r *Recorder) Events() []events.Envelope {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.evs)
}
