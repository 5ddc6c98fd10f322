// Package lease is a lease on a NATS JetStream key-value key: the one
// matcher instance holding a partition's lease matches, the others stand
// by. The bucket's TTL ends a lease its holder stopped renewing (a crash,
// a partition from NATS), so a standby takes over within one TTL.
package lease

import (
	"context"
	"errors"
	"fmt"
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

// Lease is one holder's claim on one key (a partition).
type Lease struct {
	kv     jetstream.KeyValue
	key    string
	holder string
	ttl    time.Duration

	mu       sync.Mutex
	rev      uint64
	held     bool
	renewed  time.Time
	attempts atomic.Int64
	now      func() time.Time
}

// New is holder's lease on key in kv, whose TTL is ttl.
func New(kv jetstream.KeyValue, key, holder string, ttl time.Duration) *Lease {
	return &Lease{kv: kv, key: key, holder: holder, ttl: ttl, now: time.Now}
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
	rev, err := l.kv.Create(ctx, l.key, []byte(l.holder))
	if errors.Is(err, jetstream.ErrKeyExists) {
		e, gerr := l.kv.Get(ctx, l.key)
		switch {
		case errors.Is(gerr, jetstream.ErrKeyNotFound):
			return false, nil // gone since: the next try may take it
		case gerr != nil:
			return false, fmt.Errorf("read lease %s: %w", l.key, gerr)
		case string(e.Value()) != l.holder:
			return false, nil
		}
		// Ours from before (a restart with the same holder id): renew it.
		rev, err = l.kv.Update(ctx, l.key, []byte(l.holder), e.Revision())
	}
	if err != nil {
		if errors.Is(err, jetstream.ErrKeyExists) || errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
			return false, nil
		}
		return false, fmt.Errorf("acquire lease %s: %w", l.key, err)
	}
	l.mu.Lock()
	l.rev, l.held, l.renewed = rev, true, start
	l.mu.Unlock()
	return true, nil
}

// Renew extends the lease; ErrLost when it is no longer ours.
func (l *Lease) Renew(ctx context.Context) error {
	l.mu.Lock()
	rev, held := l.rev, l.held
	l.mu.Unlock()
	if !held {
		return ErrLost
	}
	start := l.now()
	next, err := l.kv.Update(ctx, l.key, []byte(l.holder), rev)
	l.mu.Lock()
	defer l.mu.Unlock()
	if err != nil {
		l.held = false
		return fmt.Errorf("%w: %s: %w", ErrLost, l.key, err)
	}
	l.rev, l.renewed = next, start
	return nil
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
			if err := l.Renew(ctx); err != nil {
				if ctx.Err() != nil {
					release()
					return nil
				}
				onLost(err)
				return err
			}
		}
	}
}
