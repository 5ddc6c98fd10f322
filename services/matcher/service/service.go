// Package service wires the matcher: platform, repository, book, use
// cases, routes, consumers and the expiry schedule.
package service

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/aidflow/aidflow/contracts/openapi"
	"github.com/aidflow/aidflow/services/matcher/adapters/forward"
	"github.com/aidflow/aidflow/services/matcher/adapters/lease"
	"github.com/aidflow/aidflow/services/matcher/adapters/mongo"
	"github.com/aidflow/aidflow/services/matcher/app"
	"github.com/aidflow/aidflow/services/matcher/domain"
	"github.com/aidflow/aidflow/services/matcher/ports"
	"github.com/aidflow/aidflow/shared/config"
	"github.com/aidflow/aidflow/shared/mongox"
	"github.com/aidflow/aidflow/shared/platform"
	"github.com/aidflow/aidflow/shared/schedule"
)

// Name is the service's name.
const Name = "matcher"

// DefaultExpirySchedule is how often proposals are checked for expiry.
const DefaultExpirySchedule = "@every 1m"

// DefaultSweepSchedule is how often every item is matched again.
const DefaultSweepSchedule = "@every 10m"

// DefaultLeaseTTL is how long the active instance's lease lasts without
// renewal: a standby takes over within it after a crash.
const DefaultLeaseTTL = 15 * time.Second

// LeaseKeyPrefix starts every partition's lease key:
// "partition-<name>.<database>". See the README ("Partitions").
const LeaseKeyPrefix = "partition-"

// ForwardTimeout bounds the wait for another partition's holder to answer
// a forwarded command.
const ForwardTimeout = 10 * time.Second

// ErrLeaseLost ends Run when this instance lost the lease: it must not
// write again, and a restart makes it a standby.
var ErrLeaseLost = lease.ErrLost

// Config is the matcher's configuration.
type Config struct {
	Platform platform.Config
	// AllocationTTL is how long a proposed allocation waits for its source
	// to accept it (AIDFLOW_ALLOCATION_TTL, default 48h).
	AllocationTTL time.Duration
	// ExpirySchedule is when expired proposals are swept, a cron spec
	// (AIDFLOW_EXPIRY_SCHEDULE, default "@every 1m"); "off" disables it.
	ExpirySchedule string
	// SweepSchedule is when every item is matched again (the date moves
	// windows and arrival deadlines without an event), a cron spec
	// (AIDFLOW_SWEEP_SCHEDULE, default "@every 10m"); "off" disables it.
	SweepSchedule string
	// LeaseTTL is the lease's time to live (AIDFLOW_MATCHER_LEASE_TTL,
	// default 15s, at least 1s); it is renewed every third of it.
	LeaseTTL time.Duration
	// Holder names this instance in the lease (AIDFLOW_MATCHER_INSTANCE,
	// default the host name and a random suffix).
	Holder string
	// Partition is the items this instance serves
	// (AIDFLOW_MATCHER_PARTITION, default "all", and AIDFLOW_MATCHER_ITEMS,
	// required for any other name). The zero value serves every item.
	Partition domain.Partition
}

// LoadConfig reads the matcher's environment.
func LoadConfig(l *config.Loader) Config {
	c := Config{
		Platform:       platform.LoadConfig(Name, l),
		AllocationTTL:  l.Duration("AIDFLOW_ALLOCATION_TTL", app.DefaultTTL),
		ExpirySchedule: l.String("AIDFLOW_EXPIRY_SCHEDULE", DefaultExpirySchedule),
		SweepSchedule:  l.String("AIDFLOW_SWEEP_SCHEDULE", DefaultSweepSchedule),
		LeaseTTL:       l.Duration("AIDFLOW_MATCHER_LEASE_TTL", DefaultLeaseTTL),
		Holder:         l.String("AIDFLOW_MATCHER_INSTANCE", ""),
		Partition:      loadPartition(l),
	}
	l.Check("AIDFLOW_MATCHER_LEASE_TTL", c.LeaseTTL >= time.Second, "must be at least 1s")
	l.Check("AIDFLOW_ALLOCATION_TTL", c.AllocationTTL >= time.Minute, "must be at least 1m")
	checkSchedule(l, "AIDFLOW_EXPIRY_SCHEDULE", c.ExpirySchedule)
	checkSchedule(l, "AIDFLOW_SWEEP_SCHEDULE", c.SweepSchedule)
	return c
}

func checkSchedule(l *config.Loader, name, spec string) {
	if _, err := schedule.Parse(spec, nil); err != nil {
		l.Check(name, false, err.Error())
	}
}

// Main is the running matcher.
type Main struct {
	platform.Hosted // P, and the Service methods but Run
	App             *app.App
	Lease           *lease.Lease

	mu   sync.Mutex
	lost func(error)
	// started is set once this instance, holding the lease, has started
	// its consumers and schedules.
	started atomic.Bool
	// refused is why the lease was last refused (an overlapping partition
	// holds its own), "" once held.
	refused atomic.Value
	// kept is closed when the lease keeper ends (it has released the
	// lease); nil until it starts.
	kept chan struct{}
}

// New connects and wires the matcher.
func New(ctx context.Context, cfg Config) (platform.Service, error) { return Open(ctx, cfg) }

// Open is New with the concrete type, for tests. It loads the whole state
// into memory before anything can change it; the consumers and the expiry
// schedule start with Run.
func Open(ctx context.Context, cfg Config) (*Main, error) {
	spec, _ := openapi.Spec(Name)
	p, err := platform.Open(ctx, cfg.Platform, spec)
	if err != nil {
		return nil, err
	}
	if err := mongox.EnsureCollections(ctx, p.DB, mongo.Collections...); err != nil {
		p.Close()
		return nil, err
	}
	part := cfg.Partition
	if part.Name == "" {
		part.Name = domain.AllItems
	}
	repo := mongo.New(p.DB, p.Relay, part)
	a := app.New(repo, cfg.AllocationTTL)
	a.Log = p.Log.With("partition", part.Name)
	a.Partitioned(part)
	if err := a.Load(ctx); err != nil {
		p.Close()
		return nil, err
	}
	ttl := cmp.Or(cfg.LeaseTTL, DefaultLeaseTTL)
	kv, err := lease.OpenBucket(ctx, p.Bus.JetStream(), ttl)
	if err != nil {
		p.Close()
		return nil, err
	}
	deployment := keyToken(cfg.Platform.MongoDB)
	claim := lease.Claim{Holder: cmp.Or(cfg.Holder, holderID()), Partition: part.Name, Items: part.Items}
	m := &Main{Hosted: platform.Hosted{P: p}, App: a, Lease: lease.New(kv, LeaseKey(part.Name, cfg.Platform.MongoDB), claim, ttl)}
	m.Lease.OnRefused = func(err error) {
		// Said once per reason, not on every try (every third of the TTL).
		if prev, _ := m.refused.Swap(err.Error()).(string); prev != err.Error() {
			p.Log.ErrorContext(ctx, "matcher lease refused: an overlapping partition is active; standing by", "err", err)
		}
	}
	a.Active = m.Lease.Held
	// A standby's relay sweeps nothing: the holder writes the partition's
	// allocations. It sweeps once it takes the lease (below).
	p.Relay.Owns = m.Lease.Held
	var parts *ports.Partitions
	if !part.Whole() {
		parts = &ports.Partitions{
			Forwarder:  forward.Client{NC: p.Bus.Conn(), Deployment: deployment, Timeout: ForwardTimeout},
			NeedItem:   repo.NeedItem,
			RetryAfter: ttl,
			Forwarded:  func(r *http.Request) bool { return r.Header.Get(forward.ForwardedHeader) != "" },
		}
	}
	ports.Register(p.Authed(""), a, parts)
	viewReady := make(chan struct{})
	if part.Whole() {
		close(viewReady) // the book is the view
	}
	p.AddReadiness(func(context.Context) error {
		if !m.Lease.Held() {
			if why, _ := m.refused.Load().(string); why != "" {
				return errors.New("standby: " + why)
			}
			return errors.New("standby: another matcher instance holds the lease")
		}
		if !m.started.Load() {
			return errors.New("lease acquired; starting the consumers")
		}
		select {
		case <-viewReady:
		default:
			return errors.New("reading the other partitions' allocations")
		}
		return nil
	})
	if !part.Whole() {
		p.OnStart(func(ctx context.Context) error {
			caughtUp, err := followView(ctx, p, a)
			if err != nil {
				return err
			}
			go func() {
				select {
				case <-caughtUp:
					close(viewReady)
				case <-ctx.Done():
				}
			}()
			return nil
		})
	}
	// The consumers and the schedules start only once this instance holds
	// the lease, after reloading what the previous holder wrote.
	p.OnStart(func(ctx context.Context) error {
		kept := make(chan struct{})
		m.mu.Lock()
		m.kept = kept
		m.mu.Unlock()
		go func() {
			defer close(kept)
			// Not starting after taking the lease (it is released) ends
			// Run like a lost lease: a restart tries again.
			err := m.Lease.Keep(ctx, func(ctx context.Context) error {
				if err := a.Load(ctx); err != nil {
					return err
				}
				// Events the previous holder left in the outbox.
				if _, err := p.Relay.Sweep(ctx); err != nil {
					return err
				}
				p.Log.InfoContext(ctx, "matcher lease acquired: active", "holder", m.Lease.Holder(), "partition", part.Name)
				m.refused.Store("")
				for _, c := range ports.Consumers(a) {
					if err := p.Consume(ctx, c.Spec, c.Handler); err != nil {
						return err
					}
				}
				if err := startSchedules(ctx, p, a, cfg); err != nil {
					return err
				}
				if !part.Whole() {
					// Other partitions' instances forward this one's commands.
					stop, err := forward.Serve(ctx, p.Bus.Conn(), deployment, part.Items, p.HTTP)
					if err != nil {
						return err
					}
					go func() { <-ctx.Done(); stop() }()
				}
				m.started.Store(true)
				return nil
			}, func(err error) {
				p.Log.ErrorContext(ctx, "matcher lease lost: stopping", "err", err)
				m.fail(err)
			})
			if err != nil && ctx.Err() == nil {
				p.Log.ErrorContext(ctx, "matcher could not start after taking the lease: stopping", "err", err)
				m.fail(err)
			}
		}()
		return nil
	})
	return m, nil
}

// LeaseKey is partition's key for the deployment whose database is db:
// instances of one partition sharing a database share the lease, and the
// keys of one database's partitions are compared for overlaps.
func LeaseKey(partition, db string) string {
	return LeaseKeyPrefix + keyToken(partition) + "." + keyToken(db)
}

// keyChar reports whether c may appear in a key-value key.
func keyChar(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return c == '-' || c == '_' || c == '=' || c == '.'
}

// holderID names this process in the lease.
func holderID() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return cmp.Or(host, "matcher") + "-" + hex.EncodeToString(b)
}

func (m *Main) fail(err error) {
	m.mu.Lock()
	lost := m.lost
	m.mu.Unlock()
	if lost != nil {
		lost(err)
	}
}

// startSchedules starts the expiry of proposals not accepted within the
// TTL and the sweep that matches every item again, each on its schedule.
func startSchedules(ctx context.Context, p *platform.Platform, a *app.App, cfg Config) error {
	parse := func(name, spec, def string) (cron.Schedule, error) {
		if spec == "" {
			spec = def
		}
		s, err := schedule.Parse(spec, nil)
		if err != nil {
			return nil, fmt.Errorf("%s schedule: %w", name, err)
		}
		return s, nil
	}
	expiry, err := parse("expiry", cfg.ExpirySchedule, DefaultExpirySchedule)
	if err != nil {
		return err
	}
	sweep, err := parse("sweep", cfg.SweepSchedule, DefaultSweepSchedule)
	if err != nil {
		return err
	}
	schedule.Run(ctx, p.Log, "expiry", expiry, schedule.Counted(p.Log, "allocations expired", "expired", a.ExpireAllocations))
	schedule.Run(ctx, p.Log, "sweep", sweep, a.Sweep)
	return nil
}

// Run serves until ctx ends, or until this instance loses the lease
// (ErrLeaseLost): it then stops at once rather than write as a second
// active matcher; restarted, it stands by. It also ends, with the error,
// when it took the lease but could not start its consumers.
func (m *Main) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	m.mu.Lock()
	m.lost = func(err error) { cancel(err) }
	m.mu.Unlock()
	err := m.P.Run(ctx)
	cancel(nil)
	m.mu.Lock()
	kept := m.kept
	m.mu.Unlock()
	if kept != nil {
		<-kept // the lease is released: a standby takes over at once
	}
	if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) {
		return cause
	}
	return err
}
