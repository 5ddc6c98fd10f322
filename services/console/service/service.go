// Package service wires the console: config, the API client, the pages
// and the HTTP server. It has no database, no bus and no consumer: every
// read and action is a call to the public API with the regulator's token.
package service

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/aidflow/aidflow/services/console/adapters/api"
	"github.com/aidflow/aidflow/services/console/app"
	"github.com/aidflow/aidflow/services/console/domain"
	"github.com/aidflow/aidflow/services/console/ports"
	"github.com/aidflow/aidflow/shared/config"
	"github.com/aidflow/aidflow/shared/httpx"
	"github.com/aidflow/aidflow/shared/logging"
)

// Name is the service's name.
const Name = "console"

// Defaults.
const (
	DefaultSessionTTL = 8 * time.Hour
	DefaultStaleAfter = domain.DefaultStaleAfter
)

// Config is the console's configuration.
type Config struct {
	// HTTPAddr is where it listens on its own (AIDFLOW_HTTP_ADDR, default
	// :8080); "off" (the local stack) serves behind the gateway instead.
	HTTPAddr string
	// APIURL is the public API's base URL: the gateway or the Ingress
	// (AIDFLOW_CONSOLE_API_URL, required).
	APIURL string
	// SessionKey seals the session cookie (AIDFLOW_CONSOLE_SESSION_KEY:
	// 32 bytes, standard base64). Empty generates one at start: sessions
	// then end when the console restarts, and replicas cannot share them.
	SessionKey []byte
	// SecureCookie marks the cookie Secure, sent over HTTPS only
	// (AIDFLOW_CONSOLE_SECURE_COOKIE, default false; set it behind TLS).
	SecureCookie bool
	// SessionTTL is how long a sign-in lasts (AIDFLOW_CONSOLE_SESSION_TTL,
	// default 8h); the API's refusal of a revoked token ends it sooner.
	SessionTTL time.Duration
	// StaleAfter is how long a manufacturer may go without a capacity
	// report before it is listed stale (AIDFLOW_CONSOLE_STALE_AFTER, default 48h).
	StaleAfter time.Duration
	LogLevel   string // AIDFLOW_LOG_LEVEL
	// Logger is set by the local stack; else built from LogLevel.
	Logger *slog.Logger
	// HTTPClient calls the API; nil is a client with a 15 s timeout.
	HTTPClient *http.Client
}

// LoadConfig reads the console's environment.
func LoadConfig(l *config.Loader) Config {
	c := Config{
		HTTPAddr:     l.String("AIDFLOW_HTTP_ADDR", ":8080"),
		APIURL:       l.Required("AIDFLOW_CONSOLE_API_URL"),
		SecureCookie: l.Bool("AIDFLOW_CONSOLE_SECURE_COOKIE", false),
		SessionTTL:   l.Duration("AIDFLOW_CONSOLE_SESSION_TTL", DefaultSessionTTL),
		StaleAfter:   l.Duration("AIDFLOW_CONSOLE_STALE_AFTER", DefaultStaleAfter),
		LogLevel:     l.String("AIDFLOW_LOG_LEVEL", "info"),
	}
	if c.HTTPAddr == "off" {
		c.HTTPAddr = ""
	}
	if c.APIURL != "" {
		u, err := url.Parse(c.APIURL)
		l.Check("AIDFLOW_CONSOLE_API_URL", err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "",
			"must be the API's base URL, such as http://gateway:8080")
	}
	if s := l.String("AIDFLOW_CONSOLE_SESSION_KEY", ""); s != "" {
		k, err := base64.StdEncoding.DecodeString(s)
		l.Check("AIDFLOW_CONSOLE_SESSION_KEY", err == nil && len(k) == domain.KeySize, "must be 32 random bytes in standard base64 (openssl rand -base64 32)")
		c.SessionKey = k
	}
	l.Check("AIDFLOW_CONSOLE_SESSION_TTL", c.SessionTTL >= time.Minute, "must be at least 1m")
	l.Check("AIDFLOW_CONSOLE_STALE_AFTER", c.StaleAfter >= time.Hour, "must be at least 1h")
	return c
}

// Main is the running console.
type Main struct {
	Cfg  Config
	HTTP *echo.Echo
	App  *app.App
	log  *slog.Logger
}

// Open wires the console. It satisfies platform.Service without
// importing the platform, which would link a database driver and NATS
// into a service that uses neither.
func Open(_ context.Context, cfg Config) (*Main, error) {
	if cfg.APIURL == "" {
		return nil, errors.New("console: no API URL")
	}
	if cfg.SessionTTL == 0 {
		cfg.SessionTTL = DefaultSessionTTL
	}
	if cfg.StaleAfter == 0 {
		cfg.StaleAfter = DefaultStaleAfter
	}
	key := cfg.SessionKey
	if key == nil {
		key = domain.NewKey()
	}
	sealer, err := domain.NewSealer(key)
	if err != nil {
		return nil, fmt.Errorf("console session key: %w", err)
	}
	pages, err := ports.NewPages()
	if err != nil {
		return nil, err
	}
	log := cfg.Logger
	if log == nil {
		log = logging.New(Name, os.Stderr, cfg.LogLevel)
	}
	if cfg.SessionKey == nil {
		log.Warn("no AIDFLOW_CONSOLE_SESSION_KEY: sessions are sealed with a key generated now and end when the console restarts")
	}
	// No OpenAPI document: the console serves pages, not an API (README).
	e := httpx.New(httpx.Options{Service: Name, Logger: log})
	a := app.New(api.New(cfg.APIURL, cfg.HTTPClient))
	a.StaleAfter = cfg.StaleAfter
	ports.Register(e, log, a, pages, &ports.Sessions{Sealer: sealer, TTL: cfg.SessionTTL, Secure: cfg.SecureCookie, Now: time.Now})
	return &Main{Cfg: cfg, HTTP: e, App: a, log: log}, nil
}

func (m *Main) Handler() http.Handler { return m.HTTP }

// Ready is always true once open: the console holds nothing, and asking
// the API (the gateway) here would loop, since the gateway's own health
// asks every service behind it, the console included.
func (m *Main) Ready(context.Context) error { return nil }

// Run serves HTTP on Cfg.HTTPAddr (when set) until ctx ends.
func (m *Main) Run(ctx context.Context) error {
	if m.Cfg.HTTPAddr == "" {
		<-ctx.Done()
		return nil
	}
	ln, err := net.Listen("tcp", m.Cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", m.Cfg.HTTPAddr, err)
	}
	m.log.Info("listening", "addr", ln.Addr().String())
	srv := &http.Server{Handler: m.HTTP, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 3*time.Second)
	defer cancel()
	_ = srv.Shutdown(sctx)
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

func (m *Main) Close() {}
