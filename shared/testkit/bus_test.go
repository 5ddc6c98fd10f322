package testkit_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/shared/testkit"
)

func TestPublishAndRecord(t *testing.T) {
	b := testkit.Bus(t, testkit.NATS(t).URL())
	need := func(id string) events.Envelope {
		return events.MustNew("demand", events.NeedPosted{NeedID: id, HospitalID: "org_h", Item: "ventilator", Quantity: 1, Urgency: "normal",
			NeededBy: "2026-12-31", Region: "420100"}, events.Meta{Subject: id, OrgID: "org_h", Item: "ventilator"})
	}
	first, second := need("need_1"), need("need_2")
	testkit.Publish(t, b, first)
	rec := testkit.Record(t, b, "demand", nil)
	other := testkit.Record(t, b, "demand", []string{events.NeedCancelledType})
	testkit.Publish(t, b, second)
	testkit.Eventually(t, 10*time.Second, func() bool { return len(rec.Events()) == 2 }, "both needs recorded: %v", rec.Events())
	if got := rec.Events(); got[0].ID != first.ID || got[1].ID != second.ID {
		t.Fatalf("recorded %v, want the stream in order", got)
	}
	if got := other.Events(); len(got) != 0 {
		t.Fatalf("a record of cancellations saw %v", got)
	}
}

// fakeService counts its runs and is ready once running.
type fakeService struct {
	runs, closes atomic.Int32
	running      atomic.Bool
}

func (f *fakeService) Handler() http.Handler { return http.NotFoundHandler() }
func (f *fakeService) Ready(context.Context) error {
	if !f.running.Load() {
		return errors.New("not running")
	}
	return nil
}
func (f *fakeService) Run(ctx context.Context) error {
	f.runs.Add(1)
	f.running.Store(true)
	<-ctx.Done()
	return nil
}
func (f *fakeService) Close() { f.closes.Add(1) }

func TestOpen(t *testing.T) {
	var got string
	open := func(_ context.Context, cfg string) (*fakeService, error) {
		got = cfg
		if cfg == "bad" {
			return nil, errors.New("bad config")
		}
		return &fakeService{}, nil
	}
	m, stop := testkit.Open(t, open, "good")
	if got != "good" || m.runs.Load() != 1 || !m.running.Load() {
		t.Fatalf("opened with %q: %d runs", got, m.runs.Load())
	}
	stop()
	stop()
	if m.closes.Load() != 1 {
		t.Fatalf("closed %d times, want once", m.closes.Load())
	}
	if msg := failure(t, func(tb testing.TB) { testkit.Open(tb, open, "bad") }); !strings.Contains(msg, "bad config") {
		t.Fatalf("failure = %q, want the open error", msg)
	}
}

// failing is ready at once and whose Run returns err when stopped.
type failing struct {
	fakeService
	err error
}

func (f *failing) Ready(context.Context) error { return nil }
func (f *failing) Run(ctx context.Context) error {
	<-ctx.Done()
	return f.err
}

func TestRunFailsOnARunError(t *testing.T) {
	for _, tt := range []struct {
		name string
		err  error
		want string
	}{
		{"an error", errors.New("lease lost"), "run: lease lost"},
		{"the stop's cancellation", context.Canceled, ""},
		{"none", nil, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := failure(t, func(tb testing.TB) { testkit.Run(tb, &failing{err: tt.err})() })
			if got != tt.want {
				t.Fatalf("failure = %q, want %q", got, tt.want)
			}
		})
	}
}
