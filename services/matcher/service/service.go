// Package service wires the matcher: platform, repository, book, use
// cases, routes, consumers and the expiry schedule.
package service

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/aidflow/aidflow/contracts/openapi"
	"github.com/aidflow/aidflow/services/matcher/adapters/mongo"
	"github.com/aidflow/aidflow/services/matcher/app"
	"github.com/aidflow/aidflow/services/matcher/ports"
	"github.com/aidflow/aidflow/shared/config"
	"github.com/aidflow/aidflow/shared/mongox"
	"github.com/aidflow/aidflow/shared/platform"
)

// Name is the service's name.
const Name = "matcher"

// DefaultExpirySchedule is how often proposals are checked for expiry.
const DefaultExpirySchedule = "@every 1m"

// DefaultSweepSchedule is how often every item is matched again.
const DefaultSweepSchedule = "@every 10m"

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
}

// LoadConfig reads the matcher's environment.
func LoadConfig(l *config.Loader) Config {
	c := Config{
		Platform:       platform.LoadConfig(Name, l),
		AllocationTTL:  l.Duration("AIDFLOW_ALLOCATION_TTL", app.DefaultTTL),
		ExpirySchedule: l.String("AIDFLOW_EXPIRY_SCHEDULE", DefaultExpirySchedule),
		SweepSchedule:  l.String("AIDFLOW_SWEEP_SCHEDULE", DefaultSweepSchedule),
	}
	l.Check("AIDFLOW_ALLOCATION_TTL", c.AllocationTTL >= time.Minute, "must be at least 1m")
	checkSchedule(l, "AIDFLOW_EXPIRY_SCHEDULE", c.ExpirySchedule)
	checkSchedule(l, "AIDFLOW_SWEEP_SCHEDULE", c.SweepSchedule)
	return c
}

func checkSchedule(l *config.Loader, name, spec string) {
	if spec != "off" {
		_, err := cron.ParseStandard(spec)
		l.Check(name, err == nil, fmt.Sprintf("must be a cron spec such as \"@every 1m\" or \"*/5 * * * *\", or off: %v", err))
	}
}

// Main is the running matcher.
type Main struct {
	P   *platform.Platform
	App *app.App
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
	a := app.New(mongo.New(p.DB, p.Relay), cfg.AllocationTTL)
	a.Log = p.Log
	if err := a.Load(ctx); err != nil {
		p.Close()
		return nil, err
	}
	ports.Register(p.Authed(""), a)
	p.OnStart(func(ctx context.Context) error {
		for _, c := range ports.Consumers(a) {
			if err := p.Consume(ctx, c.Spec, c.Handler); err != nil {
				return err
			}
		}
		return startSchedules(ctx, p, a, cfg)
	})
	return &Main{P: p, App: a}, nil
}

// startSchedules starts the expiry of proposals not accepted within the
// TTL and the sweep that matches every item again, each on its schedule.
func startSchedules(ctx context.Context, p *platform.Platform, a *app.App, cfg Config) error {
	c := cron.New()
	add := func(name, schedule, def string, job func() error) error {
		if schedule == "" {
			schedule = def
		}
		if schedule == "off" {
			return nil
		}
		if _, err := c.AddFunc(schedule, func() {
			if err := job(); err != nil && ctx.Err() == nil {
				p.Log.ErrorContext(ctx, name, "err", err)
			}
		}); err != nil {
			return fmt.Errorf("%s schedule %q: %w", name, schedule, err)
		}
		return nil
	}
	if err := add("expiry", cfg.ExpirySchedule, DefaultExpirySchedule, func() error {
		n, err := a.ExpireAllocations(ctx)
		if n > 0 {
			p.Log.InfoContext(ctx, "allocations expired", "expired", n)
		}
		return err
	}); err != nil {
		return err
	}
	if err := add("sweep", cfg.SweepSchedule, DefaultSweepSchedule, func() error { return a.Sweep(ctx) }); err != nil {
		return err
	}
	c.Start()
	go func() {
		<-ctx.Done()
		<-c.Stop().Done()
	}()
	return nil
}

func (m *Main) Handler() http.Handler           { return m.P.HTTP }
func (m *Main) Ready(ctx context.Context) error { return m.P.Ready(ctx) }
func (m *Main) Run(ctx context.Context) error   { return m.P.Run(ctx) }
func (m *Main) Close()                          { m.P.Close() }
