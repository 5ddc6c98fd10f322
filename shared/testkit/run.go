package testkit

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/aidflow/aidflow/shared/platform"
)

// Run runs an opened service until the test ends or stop is called (then
// waits for Run to return and closes it), and waits until it is ready. An
// error Run returns fails the test, but for the cancellation of a stop
// that lands while Run is still starting: that is the stop, not a failure.
func Run(tb testing.TB, svc platform.Service) (stop func()) {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := svc.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
			tb.Errorf("run: %v", err)
		}
	}()
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); <-done; svc.Close() }) }
	tb.Cleanup(stop)
	Eventually(tb, 10*time.Second, func() bool { return svc.Ready(context.Background()) == nil }, "service ready")
	return stop
}

// Open opens a service with open on cfg and runs it with Run: the shape
// every service's Open has, so a harness boots (and reboots) in one line.
func Open[C any, M platform.Service](tb testing.TB, open func(context.Context, C) (M, error), cfg C) (m M, stop func()) {
	tb.Helper()
	m, err := open(context.Background(), cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return m, Run(tb, m)
}
