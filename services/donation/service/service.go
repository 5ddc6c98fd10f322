// Package service wires the donation service: platform, repositories, use
// cases, routes and the consumers of allocations and organizations.
package service

import (
	"context"
	"fmt"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/aidflow/aidflow/contracts/openapi"
	"github.com/aidflow/aidflow/services/donation/adapters/mongo"
	"github.com/aidflow/aidflow/services/donation/app"
	"github.com/aidflow/aidflow/services/donation/ports"
	"github.com/aidflow/aidflow/shared/config"
	"github.com/aidflow/aidflow/shared/httpx"
	"github.com/aidflow/aidflow/shared/mongox"
	"github.com/aidflow/aidflow/shared/platform"
	"github.com/aidflow/aidflow/shared/schedule"
)

// Name is the service's name.
const Name = "donation"

// Config is the donation service's configuration: the platform's
// (AIDFLOW_HTTP_ADDR, NATS_URL, MONGO_URI, MONGO_DB, AIDFLOW_TOKEN_PUBLIC_KEY,
// AIDFLOW_LOG_LEVEL, NATS_STREAM_REPLICAS) and the public lookup's limit.
type Config struct {
	Platform platform.Config
	// LookupsPerMinute and LookupBurst limit public tracking-code lookups
	// per client address (DONATION_LOOKUPS_PER_MINUTE, default 30;
	// DONATION_LOOKUP_BURST, default 10). 0 takes the default.
	LookupsPerMinute int
	LookupBurst      int
	// Limiter replaces the token buckets (tests); nil uses them. The client
	// address is the platform's (AIDFLOW_TRUSTED_PROXIES).
	Limiter httpx.Limiter
	// OverdueSchedule is when directed gifts not delivered within 3 days
	// are flagged (DONATION_OVERDUE_SCHEDULE: a cron spec such as
	// "@every 10m" or "*/10 * * * *", read in UTC, or "off"; default
	// "@every 10m"). Empty means the default.
	OverdueSchedule string
	// Clock replaces time.Now (tests); nil uses it.
	Clock func() time.Time
}

// DefaultOverdueSchedule runs the overdue sweep every ten minutes: a gift
// is flagged at most that late, and a sweep reads memory only.
const DefaultOverdueSchedule = "@every 10m"

// ScheduleOff disables the overdue sweep (tests drive it by hand).
const ScheduleOff = schedule.Off

func parseSchedule(spec string) (cron.Schedule, error) {
	if spec == "" {
		spec = DefaultOverdueSchedule
	}
	return schedule.Parse(spec, time.UTC)
}

// LoadConfig reads the donation service's environment.
func LoadConfig(l *config.Loader) Config {
	c := Config{Platform: platform.LoadConfig(Name, l),
		LookupsPerMinute: l.Int("DONATION_LOOKUPS_PER_MINUTE", ports.DefaultLookupsPerMinute),
		LookupBurst:      l.Int("DONATION_LOOKUP_BURST", ports.DefaultLookupBurst)}
	l.Check("DONATION_LOOKUPS_PER_MINUTE", c.LookupsPerMinute >= 1, "must be at least 1")
	l.Check("DONATION_LOOKUP_BURST", c.LookupBurst >= 1, "must be at least 1")
	c.OverdueSchedule = l.String("DONATION_OVERDUE_SCHEDULE", DefaultOverdueSchedule)
	_, err := parseSchedule(c.OverdueSchedule)
	l.Check("DONATION_OVERDUE_SCHEDULE", err == nil, fmt.Sprintf("must be a cron spec such as \"@every 10m\" or \"*/10 * * * *\", or off: %v", err))
	return c
}

// Main is the running donation service.
type Main struct {
	platform.Hosted // P, and the Service methods
	App             *app.App
}

// New connects and wires the donation service.
func New(ctx context.Context, cfg Config) (platform.Service, error) { return Open(ctx, cfg) }

// Open is New with the concrete type, for tests.
func Open(ctx context.Context, cfg Config) (*Main, error) {
	overdue, err := parseSchedule(cfg.OverdueSchedule)
	if err != nil {
		return nil, fmt.Errorf("DONATION_OVERDUE_SCHEDULE: %w", err)
	}
	spec, _ := openapi.Spec(Name)
	p, err := platform.Open(ctx, cfg.Platform, spec)
	if err != nil {
		return nil, err
	}
	m, err := wire(ctx, p, cfg, overdue)
	if err != nil {
		p.Close()
		return nil, err
	}
	return m, nil
}

func wire(ctx context.Context, p *platform.Platform, cfg Config, overdue cron.Schedule) (*Main, error) {
	if err := mongox.EnsureCollections(ctx, p.DB, mongo.Collections...); err != nil {
		return nil, err
	}
	donations, err := mongo.NewDonations(ctx, p.DB, p.Relay)
	if err != nil {
		return nil, fmt.Errorf("load directed gifts: %w", err)
	}
	a := app.New(donations, mongo.NewOrgs(p.DB), p.Log)
	if cfg.Clock != nil {
		a.Now = cfg.Clock
	}
	lim := cfg.Limiter
	if lim == nil {
		perMinute, burst := cfg.LookupsPerMinute, cfg.LookupBurst
		if perMinute <= 0 {
			perMinute = ports.DefaultLookupsPerMinute
		}
		if burst <= 0 {
			burst = ports.DefaultLookupBurst
		}
		lim = httpx.NewTokenBucket(perMinute, burst, nil)
	}
	ports.Register(p.Authed(""), p.HTTP, a, lim)
	p.StartConsumers(func(ctx context.Context) error {
		if err := p.Consume(ctx, ports.OrgsConsumer, ports.OrgHandler(a)); err != nil {
			return err
		}
		if err := p.Consume(ctx, ports.CorrectionsConsumer, ports.CorrectionHandler(a)); err != nil {
			return err
		}
		return p.Consume(ctx, ports.AllocationsConsumer, ports.AllocationHandler(a))
	})
	p.Schedule("overdue sweep", overdue, schedule.Counted(p.Log, "overdue sweep", "flagged", a.FlagOverdueGifts))
	return &Main{Hosted: platform.Hosted{P: p}, App: a}, nil
}
