package lease_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/aidflow/aidflow/services/matcher/adapters/lease"
	"github.com/aidflow/aidflow/shared/bus"
	"github.com/aidflow/aidflow/shared/testkit"
)

func bucket(t *testing.T, ttl time.Duration) jetstream.KeyValue {
	t.Helper()
	ctx := context.Background()
	b, err := bus.Connect(ctx, bus.Options{URL: testkit.NATS(t).URL(), Name: "lease-test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	kv, err := lease.OpenBucket(ctx, b.JetStream(), ttl)
	if err != nil {
		t.Fatal(err)
	}
	return kv
}

func TestOneHolderAtATime(t *testing.T) {
	ctx := context.Background()
	kv := bucket(t, time.Minute)
	key := "partition-" + testkit.DBName(t)
	a, b := lease.New(kv, key, "a", time.Minute), lease.New(kv, key, "b", time.Minute)
	if ok, err := a.TryAcquire(ctx); !ok || err != nil {
		t.Fatalf("a: %v %v", ok, err)
	}
	if ok, err := b.TryAcquire(ctx); ok || err != nil {
		t.Fatalf("b took a held lease: %v %v", ok, err)
	}
	if err := a.Renew(ctx); err != nil || !a.Held() || b.Held() {
		t.Fatalf("renew %v, a held %v, b held %v", err, a.Held(), b.Held())
	}
	// Taken over behind a's back (as after an expiry): a's renewal fails
	// and a no longer claims it.
	if err := a.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if ok, err := b.TryAcquire(ctx); !ok || err != nil {
		t.Fatalf("b after release: %v %v", ok, err)
	}
	a2 := lease.New(kv, key, "a", time.Minute)
	if ok, _ := a2.TryAcquire(ctx); ok {
		t.Fatal("a took b's lease")
	}
	if err := a.Renew(ctx); !errors.Is(err, lease.ErrLost) || a.Held() {
		t.Fatalf("a renewed a lease it released: %v", err)
	}
}

// TestExpiry: a holder that stops renewing loses the lease after the TTL,
// and stops claiming it before anyone else can have it.
func TestExpiry(t *testing.T) {
	ctx := context.Background()
	const ttl = 2 * time.Second
	kv := bucket(t, ttl)
	key := "partition-" + testkit.DBName(t)
	a, b := lease.New(kv, key, "a", ttl), lease.New(kv, key, "b", ttl)
	if ok, err := a.TryAcquire(ctx); !ok || err != nil {
		t.Fatalf("a: %v %v", ok, err)
	}
	testkit.Eventually(t, 10*time.Second, func() bool { return !a.Held() }, "a stops claiming a lease it does not renew")
	testkit.Eventually(t, 10*time.Second, func() bool { ok, _ := b.TryAcquire(ctx); return ok }, "b takes the expired lease")
	if err := a.Renew(ctx); !errors.Is(err, lease.ErrLost) {
		t.Fatalf("a renewed after b took it: %v", err)
	}
}
