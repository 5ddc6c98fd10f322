package bus_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/shared/bus"
	"github.com/aidflow/aidflow/shared/embednats"
)

func startBus(t *testing.T, dir string) (*embednats.Server, *bus.Bus) {
	t.Helper()
	srv, err := embednats.Start(embednats.Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	b, err := bus.Connect(context.Background(), bus.Options{URL: srv.URL(), Name: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.EnsureStreams(context.Background(), events.Services...); err != nil {
		t.Fatal(err)
	}
	return srv, b
}

func need(id string) events.Envelope {
	return events.MustNew("demand", events.NeedPosted{NeedID: id, Item: "goggles", Quantity: 1}, events.Meta{Subject: id, Item: "goggles"})
}

type recorder struct {
	mu   sync.Mutex
	got  []string
	fail map[string]int // event id -> failures left
}

func (r *recorder) handle(_ context.Context, e events.Envelope) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail[e.ID] > 0 {
		r.fail[e.ID]--
		return errors.New("transient")
	}
	r.got = append(r.got, e.Subject)
	return nil
}

func (r *recorder) subjects() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.got...)
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in time")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestPublishIsDeduplicatedAndConsumedInOrderOnce(t *testing.T) {
	ctx := context.Background()
	srv, b := startBus(t, t.TempDir())
	defer srv.Close()
	defer b.Close()

	e1, e2, e3 := need("n1"), need("n2"), need("n3")
	for _, e := range []events.Envelope{e1, e1, e2, e3, e2} {
		if err := b.Publish(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	rec := &recorder{fail: map[string]int{e2.ID: 2}}
	c, err := b.Consume(ctx, bus.ConsumerSpec{Name: "t", Stream: "demand", Types: []string{events.NeedPostedType}}, &bus.MemoryProcessed{}, rec.handle)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	waitFor(t, func() bool { return len(rec.subjects()) >= 3 })
	waitFor(t, func() bool { ok, _ := c.CaughtUp(ctx); return ok })
	got := rec.subjects()
	if len(got) != 3 || got[0] != "n1" || got[1] != "n2" || got[2] != "n3" {
		t.Fatalf("handled %v; want n1 n2 n3 once each, in order, n2 after its retries", got)
	}
}

func TestProcessedEventsAreSkippedAfterRestart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	srv, b := startBus(t, dir)
	processed := &bus.MemoryProcessed{}
	rec := &recorder{}
	spec := bus.ConsumerSpec{Name: "t", Stream: "demand"}
	c, err := b.Consume(ctx, spec, processed, rec.handle)
	if err != nil {
		t.Fatal(err)
	}
	e1 := need("n1")
	if err := b.Publish(ctx, e1); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return len(rec.subjects()) == 1 })
	c.Stop()
	b.Close()
	srv.Close()

	// The broker restarts on the same data; a republished event (as after a
	// crash between publish and outbox removal, beyond the duplicate
	// window's reach) is skipped by the processed record.
	srv, b = startBus(t, dir)
	defer srv.Close()
	defer b.Close()
	c, err = b.Consume(ctx, spec, processed, rec.handle)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	if err := b.Publish(ctx, need("n2")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return len(rec.subjects()) == 2 })
	got := rec.subjects()
	if got[0] != "n1" || got[1] != "n2" {
		t.Fatalf("handled %v", got)
	}
}

func TestFollowReplaysThenFollows(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv, b := startBus(t, t.TempDir())
	defer srv.Close()
	defer b.Close()
	rev := func(tid string) events.Envelope {
		return events.MustNew("registry", events.TokenRevoked{TokenID: tid, OrgID: "o"}, events.Meta{Subject: tid})
	}
	for _, e := range []events.Envelope{rev("t1"), rev("t2")} {
		if err := b.Publish(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	seen := map[string]bool{}
	f, err := b.Follow(ctx, "registry", []string{events.TokenRevokedType}, func(e events.Envelope) {
		var d events.TokenRevoked
		_ = e.Decode(&d)
		mu.Lock()
		seen[d.TokenID] = true
		mu.Unlock()
	})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Stop()
	select {
	case <-f.CaughtUp():
	case <-time.After(10 * time.Second):
		t.Fatal("never caught up")
	}
	mu.Lock()
	if !seen["t1"] || !seen["t2"] {
		t.Fatalf("after catch-up saw %v", seen)
	}
	mu.Unlock()
	if err := b.Publish(ctx, rev("t3")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { mu.Lock(); defer mu.Unlock(); return seen["t3"] })
}

// A consumer stopped with events delivered to it but not handled hands them
// back, so the next start does not wait out AckWait (10 s) for them.
func TestStopHandsBackUnhandledEvents(t *testing.T) {
	ctx := context.Background()
	srv, b := startBus(t, t.TempDir())
	defer srv.Close()
	defer b.Close()
	for _, id := range []string{"n1", "n2", "n3"} {
		if err := b.Publish(ctx, need(id)); err != nil {
			t.Fatal(err)
		}
	}
	processed := &bus.MemoryProcessed{}
	spec := bus.ConsumerSpec{Name: "t", Stream: "demand"}
	inHandler := make(chan struct{})
	release := make(chan struct{})
	c, err := b.Consume(ctx, spec, processed, func(ctx context.Context, e events.Envelope) error {
		close(inHandler)
		<-release
		return ctx.Err() // stopped mid-event: not applied
	})
	if err != nil {
		t.Fatal(err)
	}
	<-inHandler
	go func() { time.Sleep(50 * time.Millisecond); close(release) }()
	c.Stop()

	rec := &recorder{}
	c, err = b.Consume(ctx, spec, processed, rec.handle)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	deadline := time.Now().Add(5 * time.Second)
	for len(rec.subjects()) < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("after a stop the next consumer got %v within 5 s; the rest waits for AckWait", rec.subjects())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got := rec.subjects(); got[0] != "n1" || got[1] != "n2" || got[2] != "n3" {
		t.Fatalf("order after restart: %v", got)
	}
}

func TestTypedRefusesUndecodableDataForGood(t *testing.T) {
	var got events.NeedPosted
	h := bus.Typed(func(_ context.Context, _ events.Envelope, d events.NeedPosted) error { got = d; return nil })
	if err := h(context.Background(), need("n1")); err != nil || got.NeedID != "n1" {
		t.Fatalf("decoded %+v, %v", got, err)
	}
	bad := need("n2")
	bad.Data = []byte(`{"quantity":"many"}`)
	if err := h(context.Background(), bad); !errors.Is(err, bus.ErrPermanent) {
		t.Fatalf("undecodable data: %v, want ErrPermanent", err)
	}
}

func TestEnsureStreamsIsRepeatableAndUpdatesOnlyOnChange(t *testing.T) {
	ctx := context.Background()
	srv, b := startBus(t, t.TempDir())
	defer srv.Close()
	defer b.Close()
	if err := b.EnsureStreams(ctx, events.Services...); err != nil {
		t.Fatalf("again: %v", err)
	}
	s, err := b.JetStream().Stream(ctx, events.StreamName("demand"))
	if err != nil {
		t.Fatal(err)
	}
	// Someone changed the stream by hand: the next start puts it right.
	cfg := s.CachedInfo().Config
	cfg.Duplicates = time.Minute
	if _, err := b.JetStream().UpdateStream(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	if err := b.EnsureStreams(ctx, "demand"); err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.Config.Duplicates != 2*time.Minute {
		t.Errorf("duplicates window = %s, want 2m restored", info.Config.Duplicates)
	}
}

// TestHandlersKnowTheStreamSequence: each handler call carries its event's
// position in the stream, the same on a redelivery, so a consumer can tell
// how far its state has read the stream (the matcher stores it).
func TestHandlersKnowTheStreamSequence(t *testing.T) {
	ctx := context.Background()
	srv, b := startBus(t, t.TempDir())
	defer srv.Close()
	defer b.Close()
	e1, e2 := need("n1"), need("n2")
	for _, e := range []events.Envelope{e1, e2} {
		if err := b.Publish(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	seqs := map[string][]uint64{}
	failed := false
	c, err := b.Consume(ctx, bus.ConsumerSpec{Name: "t", Stream: "demand"}, &bus.MemoryProcessed{}, func(ctx context.Context, e events.Envelope) error {
		mu.Lock()
		defer mu.Unlock()
		seqs[e.Subject] = append(seqs[e.Subject], bus.Sequence(ctx))
		if e.Subject == "n2" && !failed {
			failed = true
			return errors.New("transient")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	waitFor(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(seqs["n2"]) == 2 })
	mu.Lock()
	defer mu.Unlock()
	if len(seqs["n1"]) != 1 || seqs["n1"][0] != 1 || seqs["n2"][0] != 2 || seqs["n2"][1] != 2 {
		t.Fatalf("sequences %v; want n1 at 1, n2 at 2 on both deliveries", seqs)
	}
	if bus.Sequence(ctx) != 0 {
		t.Fatal("a context from no consumer has a sequence")
	}
}
