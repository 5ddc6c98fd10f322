package lease_test

import (
	"context"
	"errors"
	"strings"
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

func all(holder string) lease.Claim { return lease.Claim{Holder: holder, Partition: "all"} }

func TestOneHolderAtATime(t *testing.T) {
	ctx := context.Background()
	kv := bucket(t, time.Minute)
	key := "partition-" + testkit.DBName(t)
	a, b := lease.New(kv, key, all("a"), time.Minute), lease.New(kv, key, all("b"), time.Minute)
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
	a2 := lease.New(kv, key, all("a"), time.Minute)
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
	a, b := lease.New(kv, key, all("a"), ttl), lease.New(kv, key, all("b"), ttl)
	if ok, err := a.TryAcquire(ctx); !ok || err != nil {
		t.Fatalf("a: %v %v", ok, err)
	}
	testkit.Eventually(t, 10*time.Second, func() bool { return !a.Held() }, "a stops claiming a lease it does not renew")
	testkit.Eventually(t, 10*time.Second, func() bool { ok, _ := b.TryAcquire(ctx); return ok }, "b takes the expired lease")
	if err := a.Renew(ctx); !errors.Is(err, lease.ErrLost) {
		t.Fatalf("a renewed after b took it: %v", err)
	}
}

// TestOverlappingPartitionsRefused: a partition whose items overlap a
// partition whose lease is held cannot take its own (free) key, whatever
// the layouts; disjoint partitions each take theirs; once the old layout
// is gone the new one takes over. A bare holder name (an older claim)
// counts as every item.
func TestOverlappingPartitionsRefused(t *testing.T) {
	ctx := context.Background()
	kv := bucket(t, time.Minute)
	db := testkit.DBName(t)
	claim := func(holder, partition string, items ...string) lease.Claim {
		return lease.Claim{Holder: holder, Partition: partition, Items: items}
	}
	masks := lease.New(kv, "partition-masks."+db, claim("m1", "masks", "n95-respirator", "surgical-mask"), time.Minute)
	devices := lease.New(kv, "partition-devices."+db, claim("d1", "devices", "ventilator"), time.Minute)
	for _, l := range []*lease.Lease{masks, devices} {
		if ok, err := l.TryAcquire(ctx); !ok || err != nil {
			t.Fatalf("%s: %v %v", l.Holder(), ok, err)
		}
	}
	var heard []error
	everything := lease.New(kv, "partition-all."+db, all("x"), time.Minute)
	respiratory := lease.New(kv, "partition-respiratory."+db, claim("r1", "respiratory", "goggles", "surgical-mask"), time.Minute)
	respiratory.OnRefused = func(err error) { heard = append(heard, err) }
	for _, l := range []*lease.Lease{everything, respiratory} {
		ok, err := l.TryAcquire(ctx)
		var oe *lease.OverlapError
		if ok || !errors.As(err, &oe) || l.Held() {
			t.Fatalf("%s took a lease overlapping a held one: %v %v", l.Holder(), ok, err)
		}
	}
	if len(heard) != 1 || !strings.Contains(heard[0].Error(), "surgical-mask") || !strings.Contains(heard[0].Error(), "partition-masks") {
		t.Fatalf("the refusal names the other partition and the items: %v", heard)
	}
	// The refused keys were given back: a disjoint partition is not blocked.
	tests := lease.New(kv, "partition-testing."+db, claim("t1", "testing", "pcr-test-kit"), time.Minute)
	if ok, err := tests.TryAcquire(ctx); !ok || err != nil {
		t.Fatalf("a disjoint partition: %v %v", ok, err)
	}
	// An older layout's claim: a bare holder name on the whole catalog.
	if err := masks.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Put(ctx, "partition-all."+db, []byte("old-matcher")); err != nil {
		t.Fatal(err)
	}
	masks2 := lease.New(kv, "partition-masks."+db, claim("m2", "masks", "n95-respirator"), time.Minute)
	if ok, _ := masks2.TryAcquire(ctx); ok {
		t.Fatal("a partition took its lease while the whole catalog's was held")
	}
	if err := kv.Delete(ctx, "partition-all."+db); err != nil {
		t.Fatal(err)
	}
	if ok, err := masks2.TryAcquire(ctx); !ok || err != nil {
		t.Fatalf("the new layout after the old one stopped: %v %v", ok, err)
	}
}

// TestRenewalThatDoesNotReachNATSIsNotALoss: a renewal that times out
// leaves the lease ours to renew next time (Held lapses by itself), and a
// renewal refused because our own earlier update went through with its
// reply lost finds the key still ours.
func TestRenewalThatDoesNotReachNATSIsNotALoss(t *testing.T) {
	ctx := context.Background()
	kv := bucket(t, time.Minute)
	key := "partition-" + testkit.DBName(t)
	a := lease.New(kv, key, all("a"), time.Minute)
	if ok, err := a.TryAcquire(ctx); !ok || err != nil {
		t.Fatalf("a: %v %v", ok, err)
	}
	gone, cancel := context.WithCancel(ctx)
	cancel() // as a request that never gets an answer
	if err := a.Renew(gone); err == nil || errors.Is(err, lease.ErrLost) || !a.Held() {
		t.Fatalf("an unreachable renewal: %v, held %v; want a retryable error and still held", err, a.Held())
	}
	if err := a.Renew(ctx); err != nil || !a.Held() {
		t.Fatalf("the next renewal: %v, held %v", err, a.Held())
	}
	// Our renewal applied, its reply lost: the key moved on with our claim.
	e, err := kv.Get(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Update(ctx, key, e.Value(), e.Revision()); err != nil {
		t.Fatal(err)
	}
	if err := a.Renew(ctx); err != nil || !a.Held() {
		t.Fatalf("renewal after a lost reply: %v, held %v", err, a.Held())
	}
	if err := a.Renew(ctx); err != nil {
		t.Fatalf("and the one after: %v", err)
	}
}
