package service_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/matcher/adapters/lease"
	"github.com/aidflow/aidflow/services/matcher/app"
	"github.com/aidflow/aidflow/services/matcher/service"
	"github.com/aidflow/aidflow/shared/testkit"
)

// TestTwoInstancesOneActive runs two matchers on one NATS and one
// database. Only the lease holder consumes and writes; the other is not
// ready and refuses changes. When the holder stops, the other takes over
// (reloading what the first wrote) and carries on, and no allocation is
// ever issued twice or beyond what the need asked.
func TestTwoInstancesOneActive(t *testing.T) {
	w := newWorld(t, func(c *service.Config) { c.LeaseTTL = 2 * time.Second })
	first := w.m
	if !first.Lease.Held() {
		t.Fatal("the first instance is ready without the lease")
	}
	second, err := service.Open(context.Background(), w.cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- second.Run(ctx) }()
	var once sync.Once
	stopSecond := func() {
		once.Do(func() {
			cancel()
			<-done
			second.P.Bus.Conn().Close()
			second.Close()
		})
	}
	t.Cleanup(stopSecond)
	testkit.Eventually(t, wait, func() bool { return second.Lease.Attempts() >= 2 }, "the second instance tried the lease")
	if second.Lease.Held() || second.Ready(context.Background()) == nil {
		t.Fatal("two instances hold the lease")
	}
	if err := second.App.Sweep(context.Background()); !errors.Is(err, app.ErrStandby) {
		t.Fatalf("a standby ran a sweep: %v", err)
	}
	// Nor does its outbox relay sweep the allocations the holder writes.
	if second.P.Relay.Owns == nil || second.P.Relay.Owns() || !first.P.Relay.Owns() {
		t.Fatal("the standby's outbox relay owns the allocations, or the holder's does not")
	}

	hosp := w.iss.Org(t, "hospital", "420100")
	manu := w.iss.Org(t, "manufacturer", "420100")
	reg := w.iss.Org(t, "regulator", "110000")
	w.need("need_two", hosp, "ventilator", 10, "critical")
	w.capacity("cap_two_a", manu, "ventilator", 4, 1)
	w.waitAllocations(reg, 1, nil, "the active instance's allocation")

	// The active instance stops (its lease is released); the standby
	// becomes active and serves the rest of the need from a new report.
	w.stop()
	testkit.Eventually(t, wait, func() bool { return second.Ready(context.Background()) == nil }, "the standby took over")
	if !second.P.Relay.Owns() {
		t.Fatal("the new holder's outbox relay does not own the allocations")
	}
	w.m, w.stop = second, stopSecond
	manu2 := w.iss.Org(t, "manufacturer", "330100")
	w.capacity("cap_two_b", manu2, "ventilator", 20, 1)
	got := w.waitAllocations(reg, 2, nil, "the second instance's allocation")
	var total float64
	for _, a := range got {
		total += a["quantity"].(float64)
	}
	if total != 10 {
		t.Fatalf("allocated %v units to a need of 10: %v", total, got)
	}
	seen := map[string]bool{}
	for _, e := range w.published.Events() {
		if e.Type == events.AllocationProposedType {
			if seen[e.Subject] {
				t.Fatalf("allocation %s proposed twice", e.Subject)
			}
			seen[e.Subject] = true
		}
	}
}

// TestLostLeaseStops: when another holder has taken the lease (as after
// this instance was cut off past the TTL), the instance stops writing and
// Run ends with ErrLeaseLost.
func TestLostLeaseStops(t *testing.T) {
	w := newWorld(t, func(c *service.Config) { c.LeaseTTL = time.Second })
	m := w.m
	// Run our own instance to observe Run's result.
	w.stop()
	m2, err := service.Open(context.Background(), w.cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m2.P.Bus.Conn().Close(); m2.Close() })
	done := make(chan error, 1)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go func() { done <- m2.Run(ctx) }()
	testkit.Eventually(t, wait, func() bool { return m2.Ready(context.Background()) == nil }, "active")
	kv, err := lease.OpenBucket(context.Background(), w.bus.JetStream(), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	key := service.LeaseKey("all", w.cfg.Platform.MongoDB)
	testkit.Eventually(t, wait, func() bool {
		_ = kv.Purge(context.Background(), key)
		_, err := kv.Create(context.Background(), key, []byte("intruder"))
		return err == nil
	}, "the lease taken by another holder")
	select {
	case err := <-done:
		if !errors.Is(err, service.ErrLeaseLost) {
			t.Fatalf("Run ended with %v, want ErrLeaseLost", err)
		}
	case <-time.After(wait):
		t.Fatal("an instance that lost its lease kept running")
	}
	if m2.Lease.Held() || m.Lease.Held() {
		t.Fatal("a lease still claimed after it was lost")
	}
	if err := m2.App.Sweep(context.Background()); !errors.Is(err, app.ErrStandby) {
		t.Fatalf("an instance that lost its lease still writes: %v", err)
	}
}
