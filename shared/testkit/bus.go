package testkit

import (
	"context"
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
