// Package platform wires what every Aidflow service needs at start: config,
// logger, its own MongoDB database, the JetStream bus and streams, token
// verification with revocations followed from the registry's stream, the
// outbox relay, the processed-event and idempotency records, and the HTTP
// server. A service's own `service` package builds on one Platform.
package platform

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/robfig/cron/v3"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/shared/auth"
	"github.com/aidflow/aidflow/shared/bus"
	"github.com/aidflow/aidflow/shared/config"
	"github.com/aidflow/aidflow/shared/httpx"
	"github.com/aidflow/aidflow/shared/logging"
	"github.com/aidflow/aidflow/shared/mongox"
	"github.com/aidflow/aidflow/shared/outbox"
	"github.com/aidflow/aidflow/shared/schedule"
)

// Config is what every service reads from its environment.
type Config struct {
	Service string
	// HTTPAddr is where the service listens on its own (AIDFLOW_HTTP_ADDR,
	// default :8080); "off" (the local stack) serves the handler in-process
	// behind the gateway instead.
	HTTPAddr string
	NATSURL  string // NATS_URL
	MongoURI string // MONGO_URI
	// MongoDB is the service's own database (MONGO_DB, default aidflow_<service>).
	MongoDB        string
	TokenPublicKey ed25519.PublicKey // AIDFLOW_TOKEN_PUBLIC_KEY
	// OperatorTokenSHA256 (AIDFLOW_OPERATOR_TOKEN_SHA256, optional) lets
	// the service recognise the operator's token without holding it.
	OperatorTokenSHA256 []byte
	LogLevel            string       // AIDFLOW_LOG_LEVEL
	StreamReplicas      int          // NATS_STREAM_REPLICAS
	Logger              *slog.Logger // set by the local stack; else built from LogLevel
	// OrgRate limits each organization (its token's org) per service
	// instance (AIDFLOW_RATE_LIMIT_ORG, default DefaultOrgRate); AddrRate
	// each client address (AIDFLOW_RATE_LIMIT_ADDR, default
	// DefaultAddrRate). The zero Rate, or "off", is no limit.
	OrgRate, AddrRate httpx.Rate
	// TrustedProxies are the proxies whose X-Forwarded-For names the client
	// (AIDFLOW_TRUSTED_PROXIES: comma-separated CIDRs or addresses; default
	// none, the TCP peer is the client).
	TrustedProxies []*net.IPNet
}

// Default rate limits, per service instance: far above what a person or an
// integration sends (50 and 200 requests a second sustained), so only a
// runaway client or a flood meets them. The local stack routes in process,
// so each service counts its own requests.
var (
	DefaultOrgRate  = httpx.Rate{PerMinute: 3000, Burst: 300}
	DefaultAddrRate = httpx.Rate{PerMinute: 12000, Burst: 1200}
)

// LoadConfig reads the common variables; the caller reads its own from the
// same loader and then checks l.Err().
func LoadConfig(service string, l *config.Loader) Config {
	c := Config{
		Service:        service,
		HTTPAddr:       l.String("AIDFLOW_HTTP_ADDR", ":8080"),
		NATSURL:        l.Required("NATS_URL"),
		MongoURI:       l.Required("MONGO_URI"),
		MongoDB:        l.String("MONGO_DB", "aidflow_"+service),
		LogLevel:       l.String("AIDFLOW_LOG_LEVEL", "info"),
		StreamReplicas: l.Int("NATS_STREAM_REPLICAS", 1),
	}
	var err error
	c.OrgRate, err = httpx.ParseRate(l.String("AIDFLOW_RATE_LIMIT_ORG", DefaultOrgRate.String()))
	l.Check("AIDFLOW_RATE_LIMIT_ORG", err == nil, fmt.Sprint(err))
	c.AddrRate, err = httpx.ParseRate(l.String("AIDFLOW_RATE_LIMIT_ADDR", DefaultAddrRate.String()))
	l.Check("AIDFLOW_RATE_LIMIT_ADDR", err == nil, fmt.Sprint(err))
	c.TrustedProxies, err = httpx.ParseCIDRs(l.List("AIDFLOW_TRUSTED_PROXIES", nil))
	l.Check("AIDFLOW_TRUSTED_PROXIES", err == nil, fmt.Sprint(err))
	if c.HTTPAddr == "off" {
		c.HTTPAddr = "" // served in-process behind the local stack's gateway
	}
	if s := l.String("AIDFLOW_OPERATOR_TOKEN_SHA256", ""); s != "" {
		sum, err := hex.DecodeString(s)
		l.Check("AIDFLOW_OPERATOR_TOKEN_SHA256", err == nil && len(sum) == sha256.Size,
			"must be the 64 hex digits of the operator token's SHA-256 (sha256sum)")
		c.OperatorTokenSHA256 = sum
	}
	if s := l.Required("AIDFLOW_TOKEN_PUBLIC_KEY"); s != "" {
		k, err := auth.ParsePublicKey(s)
		l.Check("AIDFLOW_TOKEN_PUBLIC_KEY", err == nil, fmt.Sprint(err))
		c.TokenPublicKey = k
	}
	return c
}

// Platform is one service's connections and shared machinery.
type Platform struct {
	Cfg       Config
	Log       *slog.Logger
	Mongo     *mongo.Client
	DB        *mongo.Database
	Bus       *bus.Bus
	Verifier  *auth.Verifier
	Relay     *outbox.Relay
	Processed *mongox.Processed
	HTTP      *echo.Echo

	idem     *mongox.Idempotency
	orgLimit httpx.Limiter
	// life spans Open to Close: background work started by Open must not
	// end with Open's context, which callers may bound to start-up.
	life      context.Context
	endLife   context.CancelFunc
	mu        sync.Mutex
	readiness []func(context.Context) error
	revoked   *bus.Follower
	consumers []*bus.Consumer
	starters  []func(context.Context) error
}

// Open connects everything. openapi is served at /openapi.json.
func Open(ctx context.Context, cfg Config, openapi []byte) (*Platform, error) {
	log := cfg.Logger
	if log == nil {
		log = logging.New(cfg.Service, os.Stderr, cfg.LogLevel)
	}
	p := &Platform{Cfg: cfg, Log: log}
	p.life, p.endLife = context.WithCancel(context.WithoutCancel(ctx))
	var err error
	if p.Mongo, err = mongox.Connect(ctx, cfg.MongoURI, "aidflow-"+cfg.Service); err != nil {
		return nil, err
	}
	p.DB = p.Mongo.Database(cfg.MongoDB)
	if err := mongox.EnsureCollections(ctx, p.DB, "processed_events", "idempotency_keys"); err != nil {
		p.Close()
		return nil, err
	}
	p.Processed = mongox.NewProcessed(p.DB)
	p.idem = mongox.NewIdempotency(p.DB)
	if p.Bus, err = bus.Connect(ctx, bus.Options{URL: cfg.NATSURL, Name: cfg.Service, Logger: log, Replicas: cfg.StreamReplicas}); err != nil {
		p.Close()
		return nil, err
	}
	if err := p.Bus.EnsureStreams(ctx, events.Services...); err != nil {
		p.Close()
		return nil, err
	}
	p.Relay = outbox.NewRelay(p.Bus, log)
	p.Verifier = auth.NewVerifier(cfg.TokenPublicKey)
	if len(cfg.OperatorTokenSHA256) == sha256.Size {
		p.Verifier.WithOperatorTokenHash(cfg.OperatorTokenSHA256)
	}
	// Revocations: every service replays the registry's revocations at start
	// and follows new ones, so a revoked token is refused within moments
	// everywhere, with no call to the registry per request.
	if p.revoked, err = p.Bus.Follow(p.life, "registry", []string{events.TokenRevokedType}, func(e events.Envelope) {
		var d events.TokenRevoked
		if e.Decode(&d) == nil {
			p.Verifier.Revoke(d.TokenID)
		}
	}); err != nil {
		p.Close()
		return nil, err
	}
	p.orgLimit = cfg.OrgRate.Limiter(nil)
	p.HTTP = httpx.New(httpx.Options{Service: cfg.Service, Logger: log, Ready: p.Ready, OpenAPI: openapi,
		TrustedProxies: cfg.TrustedProxies, AddressLimit: cfg.AddrRate.Limiter(nil)})
	return p, nil
}

// Authed returns a route group that requires a valid token, limits each
// organization's requests, and honours Idempotency-Key per organization.
func (p *Platform) Authed(prefix string) *echo.Group {
	return p.HTTP.Group(prefix, auth.Middleware(p.Verifier),
		httpx.LimitBy(p.orgLimit, auth.OrgScope, "this organization"),
		httpx.Idempotency(p.idem, auth.OrgScope))
}

// AddReadiness adds a check to /readyz (e.g. a read model loaded).
func (p *Platform) AddReadiness(check func(context.Context) error) {
	p.mu.Lock()
	p.readiness = append(p.readiness, check)
	p.mu.Unlock()
}

// OnStart registers work started by Run (cron schedules, loaders).
func (p *Platform) OnStart(f func(context.Context) error) { p.starters = append(p.starters, f) }

// StartConsumers runs start (which starts the service's event consumers)
// when Run starts, rather than in Open, whose context a caller may bound
// to start-up; /readyz answers not ready until start has returned
// without error, so a ready service is one whose consumers run.
func (p *Platform) StartConsumers(start func(context.Context) error) {
	var started atomic.Bool
	p.OnStart(func(ctx context.Context) error {
		if err := start(ctx); err != nil {
			return err
		}
		started.Store(true)
		return nil
	})
	p.AddReadiness(func(context.Context) error {
		if !started.Load() {
			return errors.New("event consumers not started yet")
		}
		return nil
	})
}

// Schedule runs job on s from Run's start until Run ends, as schedule.Run
// does (a nil s, "off", runs nothing; an error is logged under name).
func (p *Platform) Schedule(name string, s cron.Schedule, job func(context.Context) error) {
	p.OnStart(func(ctx context.Context) error { schedule.Run(ctx, p.Log, name, s, job); return nil })
}

// Consume starts a durable consumer whose handler is skipped for events
// already processed. Readiness waits for nothing here: consumers catch up
// in the background and /readyz stays cheap.
func (p *Platform) Consume(ctx context.Context, spec bus.ConsumerSpec, h bus.Handler) error {
	c, err := p.Bus.Consume(ctx, spec, p.Processed, h)
	if err != nil {
		return err
	}
	p.mu.Lock()
	p.consumers = append(p.consumers, c)
	p.mu.Unlock()
	return nil
}

// CaughtUp reports whether every consumer has handled every event the
// streams hold now. An event still in some service's outbox is not in a
// stream yet, so "caught up" is not "quiet": tests that wait for an
// effect should wait for the effect itself.
func (p *Platform) CaughtUp(ctx context.Context) bool {
	p.mu.Lock()
	cs := append([]*bus.Consumer(nil), p.consumers...)
	p.mu.Unlock()
	for _, c := range cs {
		if ok, err := c.CaughtUp(ctx); err != nil || !ok {
			return false
		}
	}
	return true
}

// Ready is /readyz: database, NATS, revocations replayed, service checks.
func (p *Platform) Ready(ctx context.Context) error {
	if err := mongox.Ready(p.Mongo)(ctx); err != nil {
		return fmt.Errorf("database: %w", err)
	}
	if err := p.Bus.Ready(ctx); err != nil {
		return err
	}
	select {
	case <-p.revoked.CaughtUp():
	default:
		return errors.New("token revocations not yet replayed")
	}
	p.mu.Lock()
	checks := append([]func(context.Context) error(nil), p.readiness...)
	p.mu.Unlock()
	for _, c := range checks {
		if err := c(ctx); err != nil {
			return err
		}
	}
	return nil
}

// Run starts the relay and the registered starters, serves HTTP on
// Cfg.HTTPAddr when set, and returns when ctx ends, after a graceful stop.
func (p *Platform) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); _ = p.Relay.Run(ctx) }()
	for _, f := range p.starters {
		if err := f(ctx); err != nil {
			stopped := ctx.Err() != nil // told to stop while starting: not a failure
			cancel()
			wg.Wait()
			if stopped {
				return nil
			}
			return err
		}
	}
	errc := make(chan error, 1)
	var srv *http.Server
	if p.Cfg.HTTPAddr != "" {
		ln, err := net.Listen("tcp", p.Cfg.HTTPAddr)
		if err != nil {
			cancel()
			wg.Wait()
			return fmt.Errorf("listen on %s: %w", p.Cfg.HTTPAddr, err)
		}
		p.Log.Info("listening", "addr", ln.Addr().String())
		srv = &http.Server{Handler: p.HTTP, ReadHeaderTimeout: 10 * time.Second}
		go func() { errc <- srv.Serve(ln) }()
	}
	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	if srv != nil {
		sctx, scancel := context.WithTimeout(context.WithoutCancel(ctx), 3*time.Second)
		_ = srv.Shutdown(sctx)
		scancel()
	}
	cancel()
	wg.Wait()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// Close stops consumers and closes connections.
func (p *Platform) Close() {
	p.endLife()
	p.mu.Lock()
	cs := p.consumers
	p.consumers = nil
	p.mu.Unlock()
	for _, c := range cs {
		c.Stop()
	}
	if p.revoked != nil {
		p.revoked.Stop()
	}
	if p.Bus != nil {
		p.Bus.Close()
	}
	if p.Mongo != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		_ = p.Mongo.Disconnect(ctx)
		cancel()
	}
}
