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

// Config is the matcher's configuration.
type Config struct {
	Platform platform.Config
	// AllocationTTL is how long a proposed allocation waits for its source
	// to accept it (AIDFLOW_ALLOCATION_TTL, default 48h).
	AllocationTTL time.Duration
	// ExpirySchedule is when expired proposals are swept, a cron spec
	// (AIDFLOW_EXPIRY_SCHEDULE, default "@every 1m"); "off" disables it.
	ExpirySchedule string
}

// LoadConfig reads the matcher's environment.
func LoadConfig(l *config.Loader) Config {
	c := Config{
		Platform:       platform.LoadConfig(Name, l),
		AllocationTTL:  l.Duration("AIDFLOW_ALLOCATION_TTL", app.DefaultTTL),
		ExpirySchedule: l.String("AIDFLOW_EXPIRY_SCHEDULE", DefaultExpirySchedule),
	}
	l.Check("AIDFLOW_ALLOCATION_TTL", c.AllocationTTL >= time.Minute, "must be at least 1m")
	if c.ExpirySchedule != "off" {
		_, err := cron.ParseStandard(c.ExpirySchedule)
		l.Check("AIDFLOW_EXPIRY_SCHEDULE", err == nil, fmt.Sprintf("must be a cron spec such as \"@every 1m\" or \"*/5 * * * *\", or off: %v", err))
	}
	return c
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
		return startExpiry(ctx, p, a, cfg.ExpirySchedule)
	})
	return &Main{P: p, App: a}, nil
}

// startExpiry sweeps proposals not accepted within the TTL on schedule.
func startExpiry(ctx context.Context, p *platform.Platform, a *app.App, schedule string) error {
	if schedule == "" {
		schedule = DefaultExpirySchedule
	}
	if schedule == "off" {
		return nil
	}
	c := cron.New()
	if _, err := c.AddFunc(schedule, func() {
		n, err := a.ExpireAllocations(ctx)
		if err != nil && ctx.Err() == nil {
			p.Log.ErrorContext(ctx, "expire allocations", "err", err, "expired", n)
		} else if n > 0 {
			p.Log.InfoContext(ctx, "allocations expired", "expired", n)
		}
	}); err != nil {
		return fmt.Errorf("expiry schedule %q: %w", schedule, err)
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
