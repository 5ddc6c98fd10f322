// Package service wires the notify service: platform, repository, use
// cases, routes, the event consumers, the delivery workers and the
// expiry warnings.
package service

import (
	"context"
	"errors"
	"time"

	"github.com/aidflow/aidflow/contracts/openapi"
	"github.com/aidflow/aidflow/services/notify/adapters/mongo"
	"github.com/aidflow/aidflow/services/notify/adapters/webhook"
	"github.com/aidflow/aidflow/services/notify/app"
	"github.com/aidflow/aidflow/services/notify/domain"
	"github.com/aidflow/aidflow/services/notify/ports"
	"github.com/aidflow/aidflow/shared/config"
	"github.com/aidflow/aidflow/shared/platform"
	"github.com/aidflow/aidflow/shared/schedule"
)

// Name is the service's name.
const Name = "notify"

// DefaultExpiringSchedule is how often proposals about to expire are looked for.
const DefaultExpiringSchedule = "@every 1m"

// Config is the notify service's configuration (README.md lists the
// variables with their defaults).
type Config struct {
	Platform platform.Config
	// Allow are the allow-list entries (AIDFLOW_WEBHOOK_ALLOW): addresses,
	// CIDR networks or host names webhooks may reach although internal.
	Allow []string
	// AllowPublic lets webhooks reach public addresses not on the list
	// (AIDFLOW_WEBHOOK_ALLOW_PUBLIC, default true).
	AllowPublic bool
	// Timeout bounds one delivery attempt (AIDFLOW_WEBHOOK_TIMEOUT, 10s).
	Timeout time.Duration
	// Retry: AIDFLOW_WEBHOOK_RETRY_BASE (30s), AIDFLOW_WEBHOOK_RETRY_MAX
	// (1h), AIDFLOW_WEBHOOK_RETRY_PERIOD (24h), AIDFLOW_WEBHOOK_PAUSE_AFTER (10).
	Retry domain.Retry
	// PerOrg is the most subscriptions an organization may have
	// (AIDFLOW_WEBHOOKS_PER_ORG, 10).
	PerOrg int
	// Backlog is each live feed's kept backlog (AIDFLOW_STREAM_BACKLOG, 500).
	Backlog int
	// Streams is the most live streams open per organization
	// (AIDFLOW_STREAMS_PER_ORG, 5).
	Streams int
	// Heartbeat of idle streams (AIDFLOW_STREAM_HEARTBEAT, 15s).
	Heartbeat time.Duration
	// ExpiringWithin is how long before a proposal's expiry its
	// manufacturer is warned (AIDFLOW_EXPIRING_WITHIN, 6h).
	ExpiringWithin time.Duration
	// ExpiringSchedule is when to look (AIDFLOW_EXPIRING_SCHEDULE,
	// "@every 1m"; "off" disables the warnings).
	ExpiringSchedule string
}

// LoadConfig reads the notify service's environment.
func LoadConfig(l *config.Loader) Config {
	c := Config{
		Platform:    platform.LoadConfig(Name, l),
		Allow:       l.List("AIDFLOW_WEBHOOK_ALLOW", nil),
		AllowPublic: l.Bool("AIDFLOW_WEBHOOK_ALLOW_PUBLIC", true),
		Timeout:     l.Duration("AIDFLOW_WEBHOOK_TIMEOUT", webhook.DefaultTimeout),
		Retry: domain.Retry{
			Base:       l.Duration("AIDFLOW_WEBHOOK_RETRY_BASE", domain.DefaultRetry.Base),
			Max:        l.Duration("AIDFLOW_WEBHOOK_RETRY_MAX", domain.DefaultRetry.Max),
			Period:     l.Duration("AIDFLOW_WEBHOOK_RETRY_PERIOD", domain.DefaultRetry.Period),
			PauseAfter: l.Int("AIDFLOW_WEBHOOK_PAUSE_AFTER", domain.DefaultRetry.PauseAfter),
			Jitter:     domain.DefaultRetry.Jitter,
		},
		PerOrg:           l.Int("AIDFLOW_WEBHOOKS_PER_ORG", app.DefaultSubscriptionsPerOrg),
		Backlog:          l.Int("AIDFLOW_STREAM_BACKLOG", app.DefaultFeedBacklog),
		Streams:          l.Int("AIDFLOW_STREAMS_PER_ORG", app.DefaultStreamsPerOrg),
		Heartbeat:        l.Duration("AIDFLOW_STREAM_HEARTBEAT", ports.DefaultHeartbeat),
		ExpiringWithin:   l.Duration("AIDFLOW_EXPIRING_WITHIN", domain.DefaultExpiringWithin),
		ExpiringSchedule: l.String("AIDFLOW_EXPIRING_SCHEDULE", DefaultExpiringSchedule),
	}
	_, err := domain.ParseTargetPolicy(c.Allow, c.AllowPublic)
	l.Check("AIDFLOW_WEBHOOK_ALLOW", err == nil, errText(err))
	l.Check("AIDFLOW_WEBHOOK_TIMEOUT", c.Timeout > 0, "must be more than 0")
	l.Check("AIDFLOW_WEBHOOK_RETRY_BASE", c.Retry.Base > 0, "must be more than 0")
	l.Check("AIDFLOW_WEBHOOK_RETRY_MAX", c.Retry.Max >= c.Retry.Base, "must be at least AIDFLOW_WEBHOOK_RETRY_BASE")
	l.Check("AIDFLOW_WEBHOOK_RETRY_PERIOD", c.Retry.Period > 0, "must be more than 0")
	l.Check("AIDFLOW_WEBHOOK_PAUSE_AFTER", c.Retry.PauseAfter >= 0, "must be 0 (never pause) or more")
	l.Check("AIDFLOW_WEBHOOKS_PER_ORG", c.PerOrg >= 1 && c.PerOrg <= 1000, "must be between 1 and 1000")
	l.Check("AIDFLOW_STREAM_BACKLOG", c.Backlog >= 1 && c.Backlog <= 10_000, "must be between 1 and 10000")
	l.Check("AIDFLOW_STREAMS_PER_ORG", c.Streams >= 1 && c.Streams <= 1000, "must be between 1 and 1000")
	l.Check("AIDFLOW_STREAM_HEARTBEAT", c.Heartbeat > 0, "must be more than 0")
	l.Check("AIDFLOW_EXPIRING_WITHIN", c.ExpiringWithin > 0, "must be more than 0")
	_, err = schedule.Parse(c.ExpiringSchedule, nil)
	l.Check("AIDFLOW_EXPIRING_SCHEDULE", err == nil, errText(err))
	return c
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// Main is the running notify service.
type Main struct {
	platform.Hosted // P, and the Service methods
	App             *app.App
}

// New connects and wires the notify service.
func New(ctx context.Context, cfg Config) (platform.Service, error) { return Open(ctx, cfg) }

// Open is New with the concrete type, for tests.
func Open(ctx context.Context, cfg Config) (*Main, error) {
	targets, err := domain.ParseTargetPolicy(cfg.Allow, cfg.AllowPublic)
	if err != nil {
		return nil, err
	}
	expiring, err := schedule.Parse(cfg.ExpiringSchedule, nil)
	if err != nil {
		return nil, err
	}
	spec, _ := openapi.Spec(Name)
	p, err := platform.Open(ctx, cfg.Platform, spec)
	if err != nil {
		return nil, err
	}
	repo, err := mongo.New(ctx, p.DB)
	if err != nil {
		p.Close()
		return nil, err
	}
	a := app.New(repo, webhook.New(targets, cfg.Timeout), app.Settings{
		Targets: targets, Retry: cfg.Retry, SubscriptionsPerOrg: cfg.PerOrg, FeedBacklog: cfg.Backlog,
		StreamsPerOrg: cfg.Streams, ExpiringWithin: cfg.ExpiringWithin,
	}, p.Log)
	ports.Register(p.Authed(""), a, ports.Options{Heartbeat: cfg.Heartbeat, Verifier: p.Verifier})
	m := &Main{Hosted: platform.Hosted{P: p}, App: a}
	p.StartConsumers(func(ctx context.Context) error {
		for _, spec := range ports.Consumers {
			if err := p.Consume(ctx, spec, ports.EventHandler(a)); err != nil {
				return err
			}
		}
		return nil
	})
	p.Schedule("expiry warnings", expiring, func(ctx context.Context) error {
		_, err := a.WarnExpiring(ctx)
		return err
	})
	p.OnStart(func(ctx context.Context) error {
		// Streams end when the service stops, so the HTTP server's
		// graceful shutdown is not held up by them.
		go func() { <-ctx.Done(); a.Close() }()
		return nil
	})
	return m, nil
}

// Run serves until ctx ends; the delivery workers run alongside and are
// waited for, so none writes after Close.
func (m *Main) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- m.App.Dispatcher().Run(ctx) }()
	err := m.P.Run(ctx)
	cancel()
	if derr := <-done; err == nil && derr != nil && !errors.Is(derr, context.Canceled) {
		err = derr
	}
	return err
}
func (m *Main) Close() { m.App.Close(); m.P.Close() }
