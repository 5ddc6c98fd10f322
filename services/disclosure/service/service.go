// Package service wires disclosure: platform, read model, public routes,
// the page and the consumers of every stream it reads.
package service

import (
	"context"
	"net/http"

	"github.com/aidflow/aidflow/contracts/openapi"
	"github.com/aidflow/aidflow/services/disclosure/adapters/mongo"
	"github.com/aidflow/aidflow/services/disclosure/app"
	"github.com/aidflow/aidflow/services/disclosure/ports"
	"github.com/aidflow/aidflow/shared/config"
	"github.com/aidflow/aidflow/shared/mongox"
	"github.com/aidflow/aidflow/shared/platform"
)

// Name is the service's name.
const Name = "disclosure"

// Config is disclosure's configuration: the platform's only (every route
// is public, so it verifies no token itself, but the platform still loads
// the key like every service).
type Config struct {
	Platform platform.Config
}

// LoadConfig reads disclosure's environment.
func LoadConfig(l *config.Loader) Config {
	return Config{Platform: platform.LoadConfig(Name, l)}
}

// Main is the running disclosure service.
type Main struct {
	P   *platform.Platform
	App *app.App
}

// New connects and wires disclosure.
func New(ctx context.Context, cfg Config) (platform.Service, error) { return Open(ctx, cfg) }

// Open is New with the concrete type, for tests. It loads the read model
// before returning; consumers start in Run.
func Open(ctx context.Context, cfg Config) (*Main, error) {
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
	return &Main{P: p, App: a}, nil
}

func (m *Main) Handler() http.Handler           { return m.P.HTTP }
func (m *Main) Ready(ctx context.Context) error { return m.P.Ready(ctx) }
func (m *Main) Run(ctx context.Context) error   { return m.P.Run(ctx) }
func (m *Main) Close()                          { m.P.Close() }
