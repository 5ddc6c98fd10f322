// Package lease is a lease on a NATS JetStream key-value key: the one
// matcher instance holding a partition's lease matches, the others stand
// by. The bucket's TTL ends a lease its holder stopped renewing (a crash,
// a partition from NATS), so a standby takes over within one TTL.
package lease

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Bucket is the key-value bucket of the matcher's leases.
const Bucket = "aidflow_matcher_leases"

// ErrLost is returned by Renew when the lease is no longer ours: another
// instance took it after it expired, or the store refused the renewal.
var ErrLost = errors.New("matcher lease lost")

// OpenBucket creates or updates the leases bucket; keys expire ttl after
// their last write.
func OpenBucket(ctx context.Context, js jetstream.JetStream, ttl time.Duration) (jetstream.KeyValue, error) {
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: Bucket, TTL: ttl, History: 1,
		Description: "one active matcher per partition"})
	if err != nil {
		return nil, fmt.Errorf("open the lease bucket: %w", err)
	}
	return kv, nil
}

// Claim is what a lease key holds: who holds it, for which partition and
// items (none: every item). Instances read the others' claims to refuse
// taking a partition that overlaps one already held.
type Claim struct {
	Holder    string   `json:"holder"`
	Partition string   `json:"partition"`
	Items     []string `json:"items,omitempty"`
}

// overlaps reports the items two claims share ("every item" for a claim
// without items).
func (c Claim) overlaps(o Claim) []string {
	switch {
	case len(c.Items) == 0 && len(o.Items) == 0:
		return []string{"every item"}
	case len(c.Items) == 0:
		return o.Items
	case len(o.Items) == 0:
		return c.Items
	}
	var both []string
	for _, it := range c.Items {
		if slices.Contains(o.Items, it) {
			both = append(both, it)
		}
	}
	return both
}

// decodeClaim reads a lease's value; a bare holder name (before claims
// named their items) claims every item.
func decodeClaim(v []byte) Claim {
	var c Claim
	if json.Unmarshal(v, &c) != nil || c.Holder == "" {
		return Claim{Holder: string(v)}
	}
	return c
}

// OverlapError refuses a lease while another partition whose items
// overlap this one's holds its own: two active matchers would allocate
// the same items.
type OverlapError struct {
	Key, OtherKey string
	Other         Claim
	Items         []string
}

func (e *OverlapError) Error() string {
	return fmt.Sprintf("partition lease %s refused: %s (partition %q, held by %s) serves %s too; stop the old partition layout first",
		e.Key, e.OtherKey, e.Other.Partition, e.Other.Holder, strings.Join(e.Items, ", "))
}

// Lease is one holder's claim on one key (a partition).
type Lease struct {
	kv     jetstream.KeyValue
	key    string
	holder string
	value  []byte
	claim  Claim
	ttl    time.Duration
	// OnRefused, if set, hears why the lease was refused although its key
	// was free (an overlapping partition holds its lease), each time.
	OnRefused func(error)

	mu       sync.Mutex
	rev      uint64
	held     bool
	renewed  time.Time
	attempts atomic.Int64
	now      func() time.Time
}

// New is claim's lease on key in kv, whose TTL is ttl. Keys are
// "<partition>.<deployment>": the claims of keys with the same deployment
// part must not overlap.
func New(kv jetstream.KeyValue, key string, claim Claim, ttl time.Duration) *Lease {
	v, _ := json.Marshal(claim)
	return &Lease{kv: kv, key: key, holder: claim.Holder, value: v, claim: claim, ttl: ttl, now: time.Now}
}

// Holder is who this lease is for.
func (l *Lease) Holder() string { return l.holder }

// Attempts is how many times TryAcquire ran (tests wait on it).
func (l *Lease) Attempts() int64 { return l.attempts.Load() }

// Held reports whether the lease is ours and was renewed recently enough
// that no one else can have it yet: within two thirds of the TTL, leaving
// a third for clocks and pauses. Writers check it before every change.
func (l *Lease) Held() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.held && l.now().Sub(l.renewed) < l.ttl*2/3
}

// TryAcquire takes the lease if no one holds it (or we already do).
func (l *Lease) TryAcquire(ctx context.Context) (bool, error) {
	l.attempts.Add(1)
	start := l.now()
	rev, err := l.kv.Create(ctx, l.key, l.value)
	if errors.Is(err, jetstream.ErrKeyExists) {
		e, gerr := l.kv.Get(ctx, l.key)
		switch {
		case errors.Is(gerr, jetstream.ErrKeyNotFound):
			return false, nil // gone since: the next try may take it
		case gerr != nil:
			return false, fmt.Errorf("read lease %s: %w", l.key, gerr)
		case decodeClaim(e.Value()).Holder != l.holder:
			return false, nil
		}
		// Ours from before (a restart with the same holder id): renew it.
		rev, err = l.kv.Update(ctx, l.key, l.value, e.Revision())
	}
	if err != nil {
		if errors.Is(err, jetstream.ErrKeyExists) || errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
			return false, nil
		}
		return false, fmt.Errorf("acquire lease %s: %w", l.key, err)
	}
	// Taken; now look for an overlapping partition's lease. Of two that
	// overlap, the one created later always sees the other (the bucket is
	// one ordered stream) and gives its key back; if both look at once,
	// both give back and try again on their next tick.
	if err := l.overlap(ctx); err != nil {
		_ = l.kv.Delete(ctx, l.key, jetstream.LastRevision(rev))
		var oe *OverlapError
		if errors.As(err, &oe) && l.OnRefused != nil {
			l.OnRefused(err)
		}
		return false, err
	}
	l.mu.Lock()
	l.rev, l.held, l.renewed = rev, true, start
	l.mu.Unlock()
	return true, nil
}

// overlap is an OverlapError when another key of this deployment is held
// by a claim sharing items with ours.
func (l *Lease) overlap(ctx context.Context) error {
	_, deployment, ok := strings.Cut(l.key, ".")
	if !ok {
		return nil
	}
	lister, err := l.kv.ListKeysFiltered(ctx, "*."+deployment)
	if err != nil {
		return fmt.Errorf("list the leases: %w", err)
	}
	defer func() { _ = lister.Stop() }()
	for key := range lister.Keys() {
		if key == l.key {
			continue
		}
		e, err := l.kv.Get(ctx, key)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			continue
		}
		if err != nil {
			return fmt.Errorf("read lease %s: %w", key, err)
		}
		other := decodeClaim(e.Value())
		if both := l.claim.overlaps(other); len(both) > 0 {
			return &OverlapError{Key: l.key, OtherKey: key, Other: other, Items: both}
		}
	}
	return nil
}

// Renew extends the lease; ErrLost when it is no longer ours. A renewal
// that does not reach NATS (a timeout, a dropped connection) is not a loss:
// it returns that error, the lease stays ours to renew on the next try, and
// Held turns false by itself once the last renewal is too old, so writers
// stop in time. A refused renewal is checked against the key first: when
// the key holds our claim, our own earlier update went through and only its
// reply was lost, and the lease is still ours at the key's revision.
// (Before, any error ended the lease and stopped the matcher: a NATS outage
// of a few seconds killed it; found by the fault suite, e2e/faults.)
func (l *Lease) Renew(ctx context.Context) error {
	l.mu.Lock()
	rev, held := l.rev, l.held
	l.mu.Unlock()
	if !held {
		return ErrLost
	}
	start := l.now()
	next, err := l.kv.Update(ctx, l.key, l.value, rev)
	if err != nil && refused(err) {
		if e, gerr := l.kv.Get(ctx, l.key); gerr == nil && bytes.Equal(e.Value(), l.value) {
			next, err = e.Revision(), nil
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case err == nil:
		l.rev, l.renewed = next, start
		return nil
	case refused(err):
		l.held = false
		return fmt.Errorf("%w: %s: %w", ErrLost, l.key, err)
	default:
		return fmt.Errorf("renew lease %s (will retry): %w", l.key, err)
	}
}

// refused is an answer from NATS that the key is no longer at our
// revision: someone else's, deleted, or expired.
func refused(err error) bool {
	return errors.Is(err, jetstream.ErrKeyRevisionMismatch) || errors.Is(err, jetstream.ErrKeyExists) ||
		errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrKeyDeleted)
}

// Release gives the lease up, if still ours, so a standby need not wait
// for the TTL.
func (l *Lease) Release(ctx context.Context) error {
	l.mu.Lock()
	rev, held := l.rev, l.held
	l.held = false
	l.mu.Unlock()
	if !held {
		return nil
	}
	return l.kv.Delete(ctx, l.key, jetstream.LastRevision(rev))
}

// Keep acquires the lease (trying every third of the TTL), calls
// onAcquire once it holds it, then renews it every third of the TTL until
// ctx ends (and releases it) or it is lost (onLost, then return). An
// error from onAcquire releases the lease and is returned.
func (l *Lease) Keep(ctx context.Context, onAcquire func(context.Context) error, onLost func(error)) error {
	tick := time.NewTicker(max(l.ttl/3, 10*time.Millisecond))
	defer tick.Stop()
	for {
		// An error (NATS unreachable) is like a held lease: nothing is
		// ours, try again on the next tick.
		if ok, _ := l.TryAcquire(ctx); ok {
			break
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
	release := func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		_ = l.Release(rctx)
	}
	if err := onAcquire(ctx); err != nil {
		release()
		return err
	}
	for {
		select {
		case <-ctx.Done():
			release()
			return nil
		case <-tick.C:
			err := l.Renew(ctx)
			switch {
			case err == nil:
			case ctx.Err() != nil:
				release()
				return nil
			case errors.Is(err, ErrLost):
				onLost(err)
				return err
			}
			// Otherwise NATS is unreachable: try again on the next tick.
		}
	}
}
