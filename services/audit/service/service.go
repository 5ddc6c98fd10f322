// Package service wires the audit service: platform, stores, use cases,
// routes, one consumer per stream, and the checkpoint schedule.
package service

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"strconv"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/aidflow/aidflow/contracts/openapi"
	"github.com/aidflow/aidflow/services/audit/adapters/mongo"
	"github.com/aidflow/aidflow/services/audit/app"
	"github.com/aidflow/aidflow/services/audit/domain"
	"github.com/aidflow/aidflow/services/audit/ports"
	"github.com/aidflow/aidflow/shared/config"
	"github.com/aidflow/aidflow/shared/mongox"
	"github.com/aidflow/aidflow/shared/platform"
	"github.com/aidflow/aidflow/shared/schedule"
)

// Name is the service's name.
const Name = "audit"

// DefaultCheckpointEvery is how often a checkpoint is signed (when the log
// grew) unless AIDFLOW_CHECKPOINT_EVERY says otherwise.
const DefaultCheckpointEvery = time.Minute

// DefaultAnomalyEvery is how often the anomaly rules run unless
// AIDFLOW_ANOMALY_EVERY says otherwise.
const DefaultAnomalyEvery = 5 * time.Minute

// Config is the audit service's configuration.
type Config struct {
	Platform platform.Config
	// SigningKey signs checkpoints (AIDFLOW_AUDIT_SIGNING_KEY: a note
	// signer key "PRIVATE+KEY+aidflow.audit+..." or a base64 Ed25519 seed).
	SigningKey ed25519.PrivateKey
	// KeyName is the note key name; domain.Origin when empty.
	KeyName string
	// CheckpointEvery is the signing schedule (AIDFLOW_CHECKPOINT_EVERY,
	// default 1m, at least 1s).
	CheckpointEvery time.Duration
	// AnomalyEvery is how often the anomaly rules run
	// (AIDFLOW_ANOMALY_EVERY, default 5m, at least 1s).
	AnomalyEvery time.Duration
	// Thresholds are the anomaly rules' numbers (AIDFLOW_ANOMALY_*, see
	// ThresholdEnv); the zero value means domain.DefaultThresholds.
	Thresholds domain.Thresholds
}

// Threshold variables, one per number of domain.Thresholds.
const (
	EnvAcceptedNotDispatched = "AIDFLOW_ANOMALY_ACCEPTED_NOT_DISPATCHED"
	EnvDispatchedNoReceipt   = "AIDFLOW_ANOMALY_DISPATCHED_NO_RECEIPT"
	EnvShortReceipt          = "AIDFLOW_ANOMALY_SHORT_RECEIPT"
	EnvPriceFactor           = "AIDFLOW_ANOMALY_PRICE_FACTOR"
	EnvPriceMinSources       = "AIDFLOW_ANOMALY_PRICE_MIN_SOURCES"
	EnvPledgeNotShipped      = "AIDFLOW_ANOMALY_PLEDGE_NOT_SHIPPED"
	EnvSupplyIdle            = "AIDFLOW_ANOMALY_SUPPLY_IDLE"
	EnvOverUseWindow         = "AIDFLOW_ANOMALY_OVERUSE_WINDOW"
	EnvOverUseFactor         = "AIDFLOW_ANOMALY_OVERUSE_FACTOR"
)

// ThresholdEnv lists the threshold variables (the local stack passes them
// through).
var ThresholdEnv = []string{
	EnvAcceptedNotDispatched, EnvDispatchedNoReceipt, EnvShortReceipt, EnvPriceFactor, EnvPriceMinSources,
	EnvPledgeNotShipped, EnvSupplyIdle, EnvOverUseWindow, EnvOverUseFactor,
}

// LoadConfig reads the audit service's environment.
func LoadConfig(l *config.Loader) Config {
	c := Config{Platform: platform.LoadConfig(Name, l)}
	if s := l.Required("AIDFLOW_AUDIT_SIGNING_KEY"); s != "" {
		name, key, err := domain.ParseSigningKey(s)
		l.Check("AIDFLOW_AUDIT_SIGNING_KEY", err == nil, fmt.Sprint(err))
		c.KeyName, c.SigningKey = name, key
	}
	c.CheckpointEvery = l.Duration("AIDFLOW_CHECKPOINT_EVERY", DefaultCheckpointEvery)
	l.Check("AIDFLOW_CHECKPOINT_EVERY", c.CheckpointEvery >= time.Second, "must be at least 1s")
	c.AnomalyEvery = l.Duration("AIDFLOW_ANOMALY_EVERY", DefaultAnomalyEvery)
	l.Check("AIDFLOW_ANOMALY_EVERY", c.AnomalyEvery >= time.Second, "must be at least 1s")
	c.Thresholds = loadThresholds(l)
	return c
}

// loadThresholds reads each rule's number, defaulting to
// domain.DefaultThresholds. Durations are at least a minute (the rules run
// on a schedule of minutes; a threshold below it raises everything), and
// the factors are bounded so a rule cannot flag every subject.
func loadThresholds(l *config.Loader) domain.Thresholds {
	d := domain.DefaultThresholds
	dur := func(name string, def time.Duration) time.Duration {
		v := l.Duration(name, def)
		l.Check(name, v >= time.Minute, "must be at least 1m")
		return v
	}
	num := func(name string, def float64, ok func(float64) bool, rule string) float64 {
		s := l.String(name, "")
		if s == "" {
			return def
		}
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			l.Check(name, false, fmt.Sprintf("must be a number, got %q", s))
			return def
		}
		l.Check(name, ok(v), rule)
		return v
	}
	t := domain.Thresholds{
		DispatchWithin:   dur(EnvAcceptedNotDispatched, d.DispatchWithin),
		ReceiptWithin:    dur(EnvDispatchedNoReceipt, d.ReceiptWithin),
		ShortReceipt:     num(EnvShortReceipt, d.ShortReceipt, func(v float64) bool { return v >= 0 && v < 1 }, "must be a fraction in [0, 1), such as 0.05"),
		PriceFactor:      num(EnvPriceFactor, d.PriceFactor, func(v float64) bool { return v > 1 }, "must be greater than 1"),
		MinPrices:        l.Int(EnvPriceMinSources, d.MinPrices),
		ShipPledgeWithin: dur(EnvPledgeNotShipped, d.ShipPledgeWithin),
		IdleFor:          dur(EnvSupplyIdle, d.IdleFor),
		UseWindow:        dur(EnvOverUseWindow, d.UseWindow),
		UseFactor:        num(EnvOverUseFactor, d.UseFactor, func(v float64) bool { return v > 0 }, "must be greater than 0"),
	}
	// A median of one price is the price itself: nothing is ever above it.
	l.Check(EnvPriceMinSources, t.MinPrices >= 2, "must be at least 2")
	// The rule divides by whole days of consumption.
	l.Check(EnvOverUseWindow, t.UseWindow >= 24*time.Hour, "must be at least 24h")
	return t
}

// Main is the running audit service.
type Main struct {
	platform.Hosted // P, and the Service methods
	App             *app.App
}

// New connects and wires the audit service.
func New(ctx context.Context, cfg Config) (platform.Service, error) { return Open(ctx, cfg) }

// Open is New with the concrete type, for tests. It loads the log (every
// record, once) before returning; consumers and the schedule start in Run.
func Open(ctx context.Context, cfg Config) (*Main, error) {
	if cfg.KeyName == "" {
		cfg.KeyName = domain.Origin
	}
	if cfg.CheckpointEvery <= 0 {
		cfg.CheckpointEvery = DefaultCheckpointEvery
	}
	if cfg.AnomalyEvery <= 0 {
		cfg.AnomalyEvery = DefaultAnomalyEvery
	}
	if cfg.Thresholds == (domain.Thresholds{}) {
		cfg.Thresholds = domain.DefaultThresholds
	}
	signer, err := domain.NewSigner(cfg.KeyName, cfg.SigningKey)
	if err != nil {
		return nil, fmt.Errorf("AIDFLOW_AUDIT_SIGNING_KEY: %w", err)
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
	a := app.New(mongo.NewLog(p.DB), mongo.NewCheckpoints(p.DB, p.Relay), signer)
	a.Logger = p.Log
	a.Thresholds = cfg.Thresholds
	a.Anomalies = mongo.NewAnomalies(p.DB, p.Relay)
	a.Publisher = p.Bus
	if err := a.Load(ctx); err != nil {
		p.Close()
		return nil, err
	}
	ports.Register(p.Authed(""), p.HTTP, a)
	p.OnStart(func(ctx context.Context) error {
		for _, s := range ports.Streams() {
			if err := p.Consume(ctx, ports.ConsumerSpec(s), ports.Appender(a)); err != nil {
				return err
			}
		}
		return p.Consume(ctx, ports.AnomalySpec(), ports.Appender(a))
	})
	p.OnStart(func(ctx context.Context) error { return startCheckpoints(ctx, p, a, cfg.CheckpointEvery) })
	p.Schedule("raise anomalies", cron.Every(cfg.AnomalyEvery), func(ctx context.Context) error {
		_, err := a.RaiseAnomalies(ctx)
		return err
	})
	return &Main{Hosted: platform.Hosted{P: p}, App: a}, nil
}

// startCheckpoints signs one checkpoint now and then on the schedule; a
// tick when the log has not grown signs nothing.
func startCheckpoints(ctx context.Context, p *platform.Platform, a *app.App, interval time.Duration) error {
	sign := func(ctx context.Context) error {
		_, err := a.SignCheckpoint(ctx)
		return err
	}
	if err := sign(ctx); err != nil && ctx.Err() == nil {
		p.Log.ErrorContext(ctx, "sign checkpoint failed", "err", err)
	}
	schedule.Run(ctx, p.Log, "sign checkpoint", cron.Every(interval), sign)
	return nil
}
