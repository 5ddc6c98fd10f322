// Package service wires disclosure: platform, read model, public routes,
// the page and the consumers of every stream it reads.
package service

import (
	"context"
	"fmt"
	"time"

	"github.com/aidflow/aidflow/contracts/openapi"
	"github.com/aidflow/aidflow/services/disclosure/adapters/mongo"
	"github.com/aidflow/aidflow/services/disclosure/app"
	"github.com/aidflow/aidflow/services/disclosure/domain"
	"github.com/aidflow/aidflow/services/disclosure/ports"
	"github.com/aidflow/aidflow/shared/config"
	"github.com/aidflow/aidflow/shared/mongox"
	"github.com/aidflow/aidflow/shared/platform"
	"github.com/aidflow/aidflow/shared/schedule"
)

// Name is the service's name.
const Name = "disclosure"

// Snapshot schedule defaults.
const (
	// DefaultSnapshotSchedule is 23:55 China Standard Time: the day's
	// last state, filed under that day.
	DefaultSnapshotSchedule = "55 23 * * *"
	// SnapshotScheduleOff turns the daily snapshot off.
	SnapshotScheduleOff = schedule.Off
)

// Config is disclosure's configuration: the platform's (every route is
// public, so it verifies no token itself, but the platform still loads
// the key like every service) and the snapshot schedule.
type Config struct {
	Platform platform.Config
	// SnapshotSchedule is when the daily open-data snapshot is taken
	// (AIDFLOW_SNAPSHOT_SCHEDULE: a cron spec read in China Standard Time
	// unless it starts with CRON_TZ=, or "off"; default "55 23 * * *").
	// Empty means the default.
	SnapshotSchedule string
}

// LoadConfig reads disclosure's environment.
func LoadConfig(l *config.Loader) Config {
	c := Config{Platform: platform.LoadConfig(Name, l), SnapshotSchedule: l.String("AIDFLOW_SNAPSHOT_SCHEDULE", DefaultSnapshotSchedule)}
	if _, err := schedule.Parse(c.SnapshotSchedule, domain.ChinaTime); err != nil {
		l.Check("AIDFLOW_SNAPSHOT_SCHEDULE", false, err.Error())
	}
	return c
}

// Main is the running disclosure service.
type Main struct {
	platform.Hosted // P, and the Service methods
	App             *app.App
}

// New connects and wires disclosure.
func New(ctx context.Context, cfg Config) (platform.Service, error) { return Open(ctx, cfg) }

// Open is New with the concrete type, for tests. It loads the read model
// before returning; consumers start in Run.
func Open(ctx context.Context, cfg Config) (*Main, error) {
	if cfg.SnapshotSchedule == "" {
		cfg.SnapshotSchedule = DefaultSnapshotSchedule
	}
	// The public's day: a spec without a zone is read in China time.
	snapshots, err := schedule.Parse(cfg.SnapshotSchedule, domain.ChinaTime)
	if err != nil {
		return nil, fmt.Errorf("snapshot schedule: %w", err)
	}
	page, err := ports.NewPage()
	if err != nil {
		return nil, err
	}
	spec, _ := openapi.Spec(Name)
	p, err := platform.Open(ctx, cfg.Platform, spec)
	if err != nil {
		return nil, err
	}
	if err := mongox.EnsureCollections(ctx, p.DB, mongo.Collections...); err != nil {
		p.Close()
		return nil, err
	}
	a := app.New(mongo.New(p.DB))
	a.Logger = p.Log
	if err := a.Load(ctx); err != nil {
		p.Close()
		return nil, err
	}
	ports.Register(p.HTTP, a, page)
	p.OnStart(func(ctx context.Context) error {
		// End live streams when the service stops, so shutdown does not
		// wait for their clients.
		go func() { <-ctx.Done(); a.CloseSubscribers() }()
		for _, spec := range ports.ConsumerSpecs() {
			if err := p.Consume(ctx, spec, ports.Applier(a)); err != nil {
				return err
			}
		}
		return nil
	})
	// The daily snapshot: a failed one is logged and the next day's runs.
	p.Schedule("daily snapshot", snapshots, func(ctx context.Context) error {
		info, err := a.TakeSnapshot(ctx, time.Now())
		if err == nil {
			p.Log.InfoContext(ctx, "daily snapshot taken", "date", info.Date, "flows", info.Flows)
		}
		return err
	})
	return &Main{Hosted: platform.Hosted{P: p}, App: a}, nil
}
