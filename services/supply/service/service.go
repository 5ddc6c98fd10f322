// Package service wires the supply service: platform, repository, use
// cases, routes and the allocation consumer.
package service

import (
	"context"

	"github.com/aidflow/aidflow/contracts/openapi"
	"github.com/aidflow/aidflow/services/supply/adapters/mongo"
	"github.com/aidflow/aidflow/services/supply/app"
	"github.com/aidflow/aidflow/services/supply/ports"
	"github.com/aidflow/aidflow/shared/config"
	"github.com/aidflow/aidflow/shared/mongox"
	"github.com/aidflow/aidflow/shared/platform"
)

// Name is the service's name.
const Name = "supply"

// Config is the supply service's configuration: only the platform's
// (AIDFLOW_HTTP_ADDR, NATS_URL, MONGO_URI, MONGO_DB, AIDFLOW_TOKEN_PUBLIC_KEY,
// AIDFLOW_LOG_LEVEL, NATS_STREAM_REPLICAS).
type Config struct {
	Platform platform.Config
}

// LoadConfig reads the supply service's environment.
func LoadConfig(l *config.Loader) Config {
	return Config{Platform: platform.LoadConfig(Name, l)}
}

// Main is the running supply service.
type Main struct {
	platform.Hosted // P, and the Service methods
	App             *app.App
}

// New connects and wires the supply service.
func New(ctx context.Context, cfg Config) (platform.Service, error) { return Open(ctx, cfg) }

// Open is New with the concrete type, for tests.
func Open(ctx context.Context, cfg Config) (*Main, error) {
	spec, _ := openapi.Spec(Name)
	p, err := platform.Open(ctx, cfg.Platform, spec)
	if err != nil {
		return nil, err
	}
	m, err := wire(ctx, p)
	if err != nil {
		p.Close()
		return nil, err
	}
	return m, nil
}

func wire(ctx context.Context, p *platform.Platform) (*Main, error) {
	if err := mongox.EnsureCollections(ctx, p.DB, mongo.Collection); err != nil {
		return nil, err
	}
	repo, err := mongo.NewCapacities(ctx, p.DB, p.Relay)
	if err != nil {
		return nil, err
	}
	a := app.New(repo, p.Log)
	ports.Register(p.Authed(""), a)
	p.StartConsumers(func(ctx context.Context) error {
		return p.Consume(ctx, ports.AllocationsConsumer, ports.AllocationHandler(a))
	})
	return &Main{Hosted: platform.Hosted{P: p}, App: a}, nil
}
