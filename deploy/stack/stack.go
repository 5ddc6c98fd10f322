// Package stack runs the whole of Aidflow in one process: embedded NATS
// JetStream and the embedded MongoDB-compatible store (unless NATS_URL /
// MONGO_URI name real ones), every service, and one gateway that routes
// paths to them like the production Ingress. `go run ./deploy/local` and
// the e2e tests both use it.
package stack

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	audit "github.com/aidflow/aidflow/services/audit/service"
	console "github.com/aidflow/aidflow/services/console/service"
	demand "github.com/aidflow/aidflow/services/demand/service"
	disclosure "github.com/aidflow/aidflow/services/disclosure/service"
	donation "github.com/aidflow/aidflow/services/donation/service"
	matcher "github.com/aidflow/aidflow/services/matcher/service"
	notify "github.com/aidflow/aidflow/services/notify/service"
	registry "github.com/aidflow/aidflow/services/registry/service"
	supply "github.com/aidflow/aidflow/services/supply/service"
	"github.com/aidflow/aidflow/shared/config"
	"github.com/aidflow/aidflow/shared/embednats"
	"github.com/aidflow/aidflow/shared/embedstore"
	"github.com/aidflow/aidflow/shared/logging"
	"github.com/aidflow/aidflow/shared/platform"
)

// Options configure Start; zero values are the README's defaults.
type Options struct {
	// Addr is the gateway's listen address (AIDFLOW_ADDR), default 127.0.0.1:8080.
	Addr string
	// DataDir keeps the embedded NATS and database files and the keys
	// (AIDFLOW_DATA_DIR), default .aidflow.
	DataDir string
	// StateFile receives {base_url, operator_token} (AIDFLOW_STATE_FILE),
	// default .aidflow/local.json.
	StateFile string
	// OperatorToken replaces the generated one (AIDFLOW_OPERATOR_TOKEN).
	OperatorToken string
	// NATSURL and MongoURI use real servers instead of embedded ones.
	NATSURL, MongoURI string
	// Env holds extra service settings (AIDFLOW_STALE_AFTER, …) passed to
	// every service as if from its environment.
	Env map[string]string
	// Logger receives every service's logs; nil means JSON on stderr at LogLevel.
	Logger   *slog.Logger
	LogLevel string
}

// FromEnv reads Options from the environment variables API.md names.
func FromEnv() Options {
	o := Options{
		Addr:          os.Getenv("AIDFLOW_ADDR"),
		DataDir:       os.Getenv("AIDFLOW_DATA_DIR"),
		StateFile:     os.Getenv("AIDFLOW_STATE_FILE"),
		OperatorToken: os.Getenv("AIDFLOW_OPERATOR_TOKEN"),
		NATSURL:       os.Getenv("NATS_URL"),
		MongoURI:      os.Getenv("MONGO_URI"),
		LogLevel:      os.Getenv("AIDFLOW_LOG_LEVEL"),
		Env:           map[string]string{},
	}
	for _, k := range ServiceEnv {
		if v, ok := os.LookupEnv(k); ok {
			o.Env[k] = v
		}
	}
	return o
}

// ServiceEnv are the service settings the local stack passes through from
// its own environment.
var ServiceEnv = []string{
	"AIDFLOW_STALE_AFTER", "AIDFLOW_STALE_SCHEDULE", "AIDFLOW_HOARDING_MULTIPLE",
	"AIDFLOW_ALLOCATION_TTL", "AIDFLOW_EXPIRY_SCHEDULE", "AIDFLOW_SWEEP_SCHEDULE", "AIDFLOW_MATCHER_LEASE_TTL",
	"AIDFLOW_CHECKPOINT_EVERY", "AIDFLOW_ANOMALY_EVERY", "AIDFLOW_SNAPSHOT_SCHEDULE",
	"DONATION_LOOKUPS_PER_MINUTE", "DONATION_LOOKUP_BURST", "DONATION_OVERDUE_SCHEDULE",
	"AIDFLOW_RATE_LIMIT_ORG", "AIDFLOW_RATE_LIMIT_ADDR", "AIDFLOW_TRUSTED_PROXIES",
	"AIDFLOW_ANOMALY_ACCEPTED_NOT_DISPATCHED", "AIDFLOW_ANOMALY_DISPATCHED_NO_RECEIPT", "AIDFLOW_ANOMALY_SHORT_RECEIPT", "AIDFLOW_ANOMALY_PRICE_FACTOR", "AIDFLOW_ANOMALY_PRICE_MIN_SOURCES", "AIDFLOW_ANOMALY_PLEDGE_NOT_SHIPPED", "AIDFLOW_ANOMALY_SUPPLY_IDLE", "AIDFLOW_ANOMALY_OVERUSE_WINDOW", "AIDFLOW_ANOMALY_OVERUSE_FACTOR",
	"AIDFLOW_CONSOLE_SESSION_KEY", "AIDFLOW_CONSOLE_SECURE_COOKIE", "AIDFLOW_CONSOLE_SESSION_TTL", "AIDFLOW_CONSOLE_STALE_AFTER",
	"AIDFLOW_WEBHOOK_ALLOW", "AIDFLOW_WEBHOOK_ALLOW_PUBLIC", "AIDFLOW_WEBHOOK_TIMEOUT", "AIDFLOW_WEBHOOK_RETRY_BASE", "AIDFLOW_WEBHOOK_RETRY_MAX",
	"AIDFLOW_WEBHOOK_RETRY_PERIOD", "AIDFLOW_WEBHOOK_PAUSE_AFTER", "AIDFLOW_WEBHOOKS_PER_ORG", "AIDFLOW_STREAM_BACKLOG", "AIDFLOW_STREAMS_PER_ORG",
	"AIDFLOW_STREAM_HEARTBEAT", "AIDFLOW_EXPIRING_WITHIN", "AIDFLOW_EXPIRING_SCHEDULE",
}

// State is what the stack writes to its state file.
type State struct {
	BaseURL       string `json:"base_url"`
	OperatorToken string `json:"operator_token"`
}

// Stack is the running system.
type Stack struct {
	BaseURL       string
	OperatorToken string
	// NATSURL and MongoURI are the servers in use (embedded or given).
	NATSURL, MongoURI string
	Gateway           *Gateway
	Services          map[string]platform.Service

	log      *slog.Logger
	nats     *embednats.Server
	store    *embedstore.Server
	server   *http.Server
	listener net.Listener
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	stopOnce sync.Once
}

type starter func(ctx context.Context, l *config.Loader) (platform.Service, error)

func start[C any](load func(*config.Loader) C, open func(context.Context, C) (platform.Service, error)) starter {
	return func(ctx context.Context, l *config.Loader) (platform.Service, error) {
		cfg := load(l)
		if err := l.Err(); err != nil {
			return nil, err
		}
		return open(ctx, cfg)
	}
}

// Order matters only for a quiet start: the registry first, so the others
// find its stream with organizations in it.
var services = []struct {
	name  string
	start starter
}{
	{registry.Name, start(registry.LoadConfig, registry.New)},
	{demand.Name, start(demand.LoadConfig, demand.New)},
	{supply.Name, start(supply.LoadConfig, supply.New)},
	{donation.Name, start(donation.LoadConfig, donation.New)},
	{matcher.Name, start(matcher.LoadConfig, matcher.New)},
	{audit.Name, start(audit.LoadConfig, audit.New)},
	{disclosure.Name, start(disclosure.LoadConfig, disclosure.New)},
	// The console calls the API through this gateway (its
	// AIDFLOW_CONSOLE_API_URL is the gateway's own address).
	{console.Name, start(console.LoadConfig, func(ctx context.Context, c console.Config) (platform.Service, error) { return console.Open(ctx, c) })},
	{notify.Name, start(notify.LoadConfig, notify.New)},
}

// Start boots everything and serves the gateway. Close stops it.
func Start(ctx context.Context, o Options) (_ *Stack, err error) {
	if o.Addr == "" {
		o.Addr = "127.0.0.1:8080"
	}
	if o.DataDir == "" {
		o.DataDir = ".aidflow"
	}
	if o.StateFile == "" {
		o.StateFile = filepath.Join(".aidflow", "local.json")
	}
	log := o.Logger
	if log == nil {
		log = logging.New("local", os.Stderr, o.LogLevel)
	}
	if err := os.MkdirAll(o.DataDir, 0o700); err != nil {
		return nil, err
	}
	s := &Stack{log: log, Services: map[string]platform.Service{}}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()

	keys, err := LoadOrCreateKeys(o.DataDir)
	if err != nil {
		return nil, err
	}
	if o.OperatorToken != "" {
		keys.OperatorToken = o.OperatorToken
	}
	pub, err := keys.TokenPublicKey()
	if err != nil {
		return nil, fmt.Errorf("keys.json: %w", err)
	}

	natsURL, mongoURI := o.NATSURL, o.MongoURI
	if natsURL == "" {
		if s.nats, err = embednats.Start(embednats.Config{Dir: filepath.Join(o.DataDir, "nats"), Logger: quiet(log)}); err != nil {
			return nil, fmt.Errorf("embedded NATS: %w", err)
		}
		natsURL = s.nats.URL()
	}
	if mongoURI == "" {
		if s.store, err = embedstore.Start(ctx, embedstore.Config{Dir: filepath.Join(o.DataDir, "db"), Logger: quiet(log)}); err != nil {
			return nil, fmt.Errorf("embedded database: %w", err)
		}
		mongoURI = s.store.URI()
	}

	env := map[string]string{
		"NATS_URL":                  natsURL,
		"MONGO_URI":                 mongoURI,
		"AIDFLOW_HTTP_ADDR":         "off",
		"AIDFLOW_TOKEN_PUBLIC_KEY":  pub,
		"AIDFLOW_TOKEN_SIGNING_KEY": keys.TokenSigningKey,
		"AIDFLOW_AUDIT_SIGNING_KEY": keys.AuditSigningKey,
		"AIDFLOW_OPERATOR_TOKEN":    keys.OperatorToken,
		// Every other service recognises the operator by the hash alone.
		"AIDFLOW_OPERATOR_TOKEN_SHA256": sha256Hex(keys.OperatorToken),
		"AIDFLOW_LOG_LEVEL":             o.LogLevel,
	}
	for k, v := range o.Env {
		env[k] = v
	}

	// Listen before the services start: the console needs the gateway's
	// address, and a taken port is better reported before anything runs.
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s (set AIDFLOW_ADDR to use another address): %w", o.Addr, err)
	}
	s.listener = ln
	s.BaseURL = "http://" + ln.Addr().String()
	env["AIDFLOW_CONSOLE_API_URL"] = s.BaseURL

	s.NATSURL, s.MongoURI = natsURL, mongoURI
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.cancel = cancel
	handlers := map[string]http.Handler{}
	ready := map[string]func(context.Context) error{}
	for _, sv := range services {
		svc, err := sv.start(ctx, config.FromMap(env))
		if err != nil {
			return nil, fmt.Errorf("start %s: %w", sv.name, err)
		}
		s.Services[sv.name] = svc
		handlers[sv.name] = svc.Handler()
		ready[sv.name] = svc.Ready
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			if err := svc.Run(runCtx); err != nil {
				log.Error("service stopped", "service", sv.name, "err", err)
			}
		}()
	}
	if s.store != nil {
		// Collections the services just created get their mirror index now
		// rather than at the indexer's next pass.
		if err := s.store.EnsureIndexes(ctx); err != nil {
			log.Warn("mirror indexes", "err", err)
		}
	}

	s.Gateway = NewGateway(handlers, ready)
	s.OperatorToken = keys.OperatorToken
	s.server = &http.Server{Handler: s.Gateway, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := s.server.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("gateway", "err", err)
		}
	}()
	if err := writeState(o.StateFile, State{BaseURL: s.BaseURL, OperatorToken: s.OperatorToken}); err != nil {
		return nil, err
	}
	return s, nil
}

// WaitReady waits until every service answers ready.
func (s *Stack) WaitReady(ctx context.Context) error {
	for {
		ok := true
		for _, svc := range s.Services {
			if svc.Ready(ctx) != nil {
				ok = false
				break
			}
		}
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("services not ready: %w", ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Close stops the gateway, the services, and the embedded servers, in that order.
func (s *Stack) Close() {
	s.stopOnce.Do(func() {
		if s.server != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			_ = s.server.Shutdown(ctx)
			cancel()
		} else if s.listener != nil {
			_ = s.listener.Close() // a start that failed before serving
		}
		if s.cancel != nil {
			s.cancel()
		}
		s.wg.Wait()
		for _, svc := range s.Services {
			svc.Close()
		}
		if s.nats != nil {
			s.nats.Close()
		}
		if s.store != nil {
			_ = s.store.Close()
		}
	})
}

func writeState(path string, st State) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	raw, _ := json.MarshalIndent(st, "", "  ")
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, raw, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// quiet keeps the embedded servers' chatter to errors: FerretDB logs every
// command it does not implement (the driver's endSessions) as a warning.
func quiet(log *slog.Logger) *slog.Logger {
	return slog.New(levelFilter{log.Handler(), slog.LevelError})
}

type levelFilter struct {
	slog.Handler
	min slog.Level
}

func (f levelFilter) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= f.min && f.Handler.Enabled(ctx, l)
}

func (f levelFilter) WithAttrs(as []slog.Attr) slog.Handler {
	return levelFilter{f.Handler.WithAttrs(as), f.min}
}

func (f levelFilter) WithGroup(name string) slog.Handler {
	return levelFilter{f.Handler.WithGroup(name), f.min}
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
