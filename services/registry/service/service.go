// Package service wires the registry: platform, repository, use cases, routes.
package service

import (
	"context"
	"crypto/ed25519"
	"fmt"

	"github.com/aidflow/aidflow/services/registry/adapters/mongo"
	"github.com/aidflow/aidflow/services/registry/app"
	"github.com/aidflow/aidflow/services/registry/ports"
	"github.com/aidflow/aidflow/shared/auth"
	"github.com/aidflow/aidflow/shared/config"
	"github.com/aidflow/aidflow/shared/mongox"
	"github.com/aidflow/aidflow/shared/platform"
)

// Name is the service's name.
const Name = "registry"

// Config is the registry's configuration.
type Config struct {
	Platform platform.Config
	// SigningKey signs tokens (AIDFLOW_TOKEN_SIGNING_KEY, base64 seed).
	SigningKey ed25519.PrivateKey
	// OperatorToken is the operator's shared secret (AIDFLOW_OPERATOR_TOKEN).
	OperatorToken string
}

// LoadConfig reads the registry's environment.
func LoadConfig(l *config.Loader) Config {
	c := Config{Platform: platform.LoadConfig(Name, l)}
	if s := l.Required("AIDFLOW_TOKEN_SIGNING_KEY"); s != "" {
		k, err := auth.ParsePrivateKey(s)
		l.Check("AIDFLOW_TOKEN_SIGNING_KEY", err == nil, fmt.Sprint(err))
		c.SigningKey = k
	}
	c.OperatorToken = l.Required("AIDFLOW_OPERATOR_TOKEN")
	l.Check("AIDFLOW_OPERATOR_TOKEN", c.OperatorToken == "" || len(c.OperatorToken) >= 16, "must be at least 16 characters")
	return c
}

// Main is the running registry.
type Main struct {
	platform.Hosted // P, and the Service methods
	App             *app.App
}

// New connects and wires the registry.
func New(ctx context.Context, cfg Config) (platform.Service, error) { return Open(ctx, cfg) }

// Open is New with the concrete type, for tests.
func Open(ctx context.Context, cfg Config) (*Main, error) {
	if cfg.Platform.TokenPublicKey == nil && cfg.SigningKey != nil {
		cfg.Platform.TokenPublicKey = cfg.SigningKey.Public().(ed25519.PublicKey)
	}
	p, err := platform.Open(ctx, cfg.Platform, spec(Name))
	if err != nil {
		return nil, err
	}
	p.Verifier.WithOperatorToken(cfg.OperatorToken)
	if err := mongox.EnsureCollections(ctx, p.DB, mongo.Collection); err != nil {
		p.Close()
		return nil, err
	}
	orgs := mongo.NewOrgs(p.DB, p.Relay)
	if err := orgs.Load(ctx); err != nil {
		p.Close()
		return nil, err
	}
	a := app.New(orgs, auth.NewSigner(cfg.SigningKey))
	ports.Register(p.Authed(""), a)
	return &Main{Hosted: platform.Hosted{P: p}, App: a}, nil
}
