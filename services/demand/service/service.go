// Package service wires the demand service: platform, repository, list
// index, use cases, routes, the allocation consumer and the stale sweep.
package service

import (
	"context"
	"fmt"
	"time"

	"github.com/aidflow/aidflow/contracts/openapi"
	"github.com/aidflow/aidflow/services/demand/adapters/mongo"
	"github.com/aidflow/aidflow/services/demand/app"
	"github.com/aidflow/aidflow/services/demand/ports"
	"github.com/aidflow/aidflow/shared/config"
	"github.com/aidflow/aidflow/shared/mongox"
	"github.com/aidflow/aidflow/shared/platform"
	"github.com/aidflow/aidflow/shared/schedule"
)

// Name is the service's name.
const Name = "demand"

// DefaultStaleSchedule is when the stale rule runs (AIDFLOW_STALE_SCHEDULE).
const DefaultStaleSchedule = "@every 1h"

// StaleScheduleOff disables the stale sweep (tests drive it by hand).
const StaleScheduleOff = schedule.Off

// MaxHoardingMultiple bounds AIDFLOW_HOARDING_MULTIPLE: a year of
// consumption is already no limit at all.
const MaxHoardingMultiple = 365

// Config is the demand service's configuration.
type Config struct {
	Platform platform.Config
	// StaleAfter is how long a need may go unconfirmed before it turns
	// stale (AIDFLOW_STALE_AFTER, a Go duration, default 168h = 7 days).
	// Zero means the default.
	StaleAfter time.Duration
	// StaleSchedule is when the stale rule runs (AIDFLOW_STALE_SCHEDULE: a
	// cron spec such as "@every 1h" or "0 * * * *", or "off"; default
	// "@every 1h"). Empty means the default.
	StaleSchedule string
	// HoardingMultiple is the anti-hoarding limit in days of reported
	// consumption (AIDFLOW_HOARDING_MULTIPLE, a whole number 1..365, default
	// 30): a hospital's open needs for an item may add up to this many days
	// of its reported daily consumption. Zero means the default.
	HoardingMultiple int64
	// Clock replaces time.Now (tests); nil uses it.
	Clock func() time.Time
}

// LoadConfig reads the demand service's environment.
func LoadConfig(l *config.Loader) Config {
	c := Config{
		Platform:         platform.LoadConfig(Name, l),
		StaleAfter:       l.Duration("AIDFLOW_STALE_AFTER", app.DefaultStaleAfter),
		StaleSchedule:    l.String("AIDFLOW_STALE_SCHEDULE", DefaultStaleSchedule),
		HoardingMultiple: int64(l.Int("AIDFLOW_HOARDING_MULTIPLE", app.DefaultHoardingMultiple)),
	}
	l.Check("AIDFLOW_HOARDING_MULTIPLE", c.HoardingMultiple >= 1 && c.HoardingMultiple <= MaxHoardingMultiple,
		"must be a whole number of days from 1 to 365, such as 30")
	l.Check("AIDFLOW_STALE_AFTER", c.StaleAfter > 0, "must be a positive duration such as 168h (7 days)")
	if _, err := schedule.Parse(c.StaleSchedule, nil); err != nil {
		l.Check("AIDFLOW_STALE_SCHEDULE", false, err.Error())
	}
	return c
}

// Main is the running demand service.
type Main struct {
	platform.Hosted // P, and the Service methods
	App             *app.App
}

// New connects and wires the demand service.
func New(ctx context.Context, cfg Config) (platform.Service, error) { return Open(ctx, cfg) }

// Open is New with the concrete type, for tests. It loads the list index
// before it mounts the routes, and Run starts the allocation consumer, so
// neither sees a half-loaded index.
func Open(ctx context.Context, cfg Config) (*Main, error) {
	if cfg.StaleAfter == 0 {
		cfg.StaleAfter = app.DefaultStaleAfter
	}
	if cfg.HoardingMultiple == 0 {
		cfg.HoardingMultiple = app.DefaultHoardingMultiple
	}
	if cfg.StaleSchedule == "" {
		cfg.StaleSchedule = DefaultStaleSchedule
	}
	staleSchedule, err := schedule.Parse(cfg.StaleSchedule, nil)
	if err != nil {
		return nil, fmt.Errorf("stale schedule: %w", err)
	}
	spec, _ := openapi.Spec(Name)
	p, err := platform.Open(ctx, cfg.Platform, spec)
	if err != nil {
		return nil, err
	}
	if err := mongox.EnsureCollections(ctx, p.DB, mongo.Collection, mongo.StockCollection); err != nil {
		p.Close()
		return nil, err
	}
	a := app.New(mongo.NewNeeds(p.DB, p.Relay), mongo.NewStockReports(p.DB, p.Relay))
	a.HoardingMultiple = cfg.HoardingMultiple
	a.StaleAfter = cfg.StaleAfter
	if cfg.Clock != nil {
		a.Now = cfg.Clock
	}
	if err := a.Load(ctx); err != nil {
		p.Close()
		return nil, fmt.Errorf("load needs: %w", err)
	}
	p.Log.Info("needs loaded", "count", a.Index.Len())
	ports.Register(p.Authed(""), a)
	// The consumer lives as long as Run, not as long as Open's context,
	// which a caller may bound to start-up.
	p.OnStart(func(ctx context.Context) error {
		return p.Consume(ctx, ports.AllocationsConsumer, ports.AllocationHandler(a))
	})
	p.Schedule("stale sweep", staleSchedule, schedule.Counted(p.Log, "stale sweep", "marked", a.MarkStale))
	return &Main{Hosted: platform.Hosted{P: p}, App: a}, nil
}
