package platform_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aidflow/aidflow/shared/platform"
	"github.com/aidflow/aidflow/shared/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// often is a schedule faster than cron's one-second floor, for tests.
type often struct{}

func (often) Next(t time.Time) time.Time { return t.Add(5 * time.Millisecond) }

// A Main that embeds Hosted is a Service on its platform, and what it
// schedules starts when it runs, not before.
func TestHostedRunsTheScheduleWithThePlatform(t *testing.T) {
	p, err := platform.Open(t.Context(), testkit.PlatformConfig(t, "demand", testkit.NewIssuer(t)), nil)
	if err != nil {
		t.Fatal(err)
	}
	var runs atomic.Int32
	p.Schedule("count", often{}, func(context.Context) error { runs.Add(1); return nil })
	p.Schedule("off", nil, func(context.Context) error { t.Error("an off schedule ran"); return nil })
	main := struct{ platform.Hosted }{platform.Hosted{P: p}}
	var svc platform.Service = main
	if runs.Load() != 0 {
		t.Fatal("the schedule ran before Run")
	}
	testkit.Run(t, svc)
	testkit.Eventually(t, 10*time.Second, func() bool { return runs.Load() >= 2 }, "the schedule ran twice")
	rec := httptest.NewRecorder()
	svc.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("/readyz = %d %s", rec.Code, rec.Body)
	}
}

// A service with consumers is ready once they run, and only then.
func TestStartConsumersHoldsReadinessUntilTheyRun(t *testing.T) {
	p, err := platform.Open(t.Context(), testkit.PlatformConfig(t, "supply", testkit.NewIssuer(t)), nil)
	if err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	var startedWith atomic.Bool
	p.StartConsumers(func(ctx context.Context) error {
		startedWith.Store(ctx != nil)
		<-release
		return nil
	})
	if err := p.Ready(t.Context()); err == nil || !strings.Contains(err.Error(), "consumers not started") {
		t.Fatalf("Ready before Run = %v, want not ready", err)
	}
	done := make(chan error, 1)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(func() { cancel(); <-done; p.Close() })
	go func() { done <- p.Run(ctx) }()
	testkit.Eventually(t, 10*time.Second, startedWith.Load, "consumers starting")
	if err := p.Ready(t.Context()); err == nil {
		t.Fatal("ready while the consumers are still starting")
	}
	close(release)
	testkit.Eventually(t, 10*time.Second, func() bool { return p.Ready(context.Background()) == nil }, "ready once the consumers run")
}

func TestStartConsumersFailureEndsRun(t *testing.T) {
	p, err := platform.Open(t.Context(), testkit.PlatformConfig(t, "supply", testkit.NewIssuer(t)), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	boom := errors.New("no stream")
	p.StartConsumers(func(context.Context) error { return boom })
	if err := p.Run(t.Context()); !errors.Is(err, boom) {
		t.Fatalf("Run = %v, want the consumers' error", err)
	}
	if err := p.Ready(t.Context()); err == nil {
		t.Fatal("ready although the consumers never started")
	}
}
