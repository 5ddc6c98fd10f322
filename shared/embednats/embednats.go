// Package embednats runs a NATS server with JetStream inside the current
// process, for the local stack and for tests.
//
// Debian's nats-server is too old (no multi-filter consumers) and there is
// no container engine on the build machines, so the server is embedded
// instead of spawned. Streams are stored in Config.Dir with fsync on every
// write, so they survive Close and a new Start on the same directory.
package embednats

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// readyTimeout bounds how long Start waits for the client listener.
const readyTimeout = 10 * time.Second

// Config configures an embedded NATS server.
type Config struct {
	// Dir holds the JetStream store; it is created if missing. Required.
	Dir string
	// Host to listen on; default 127.0.0.1.
	Host string
	// Port to listen on; 0 or -1 picks a free port.
	Port int
	// Logger receives the server's log lines; nil discards them.
	Logger *slog.Logger
}

// Server is a running embedded NATS server.
type Server struct {
	ns        *server.Server
	closeOnce sync.Once
}

// Start starts a NATS server with JetStream and waits until it accepts
// client connections.
func Start(cfg Config) (*Server, error) {
	if cfg.Dir == "" {
		return nil, errors.New("embednats: Config.Dir is required")
	}
	if err := os.MkdirAll(cfg.Dir, 0o750); err != nil {
		return nil, fmt.Errorf("embednats: create store dir: %w", err)
	}
	host := cfg.Host
	if host == "" {
		host = "127.0.0.1"
	}
	port := cfg.Port
	if port == 0 {
		port = server.RANDOM_PORT
	}

	opts := &server.Options{
		Host:      host,
		Port:      port,
		JetStream: true,
		StoreDir:  cfg.Dir,
		// An acknowledged publish must survive a crash of the whole machine:
		// services treat a stored event as the commit point of their outbox.
		SyncAlways: true,
		// The embedding program owns signal handling.
		NoSigs: true,
		NoLog:  cfg.Logger == nil,
	}
	ns, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("embednats: new server: %w", err)
	}
	if cfg.Logger != nil {
		ns.SetLoggerV2(slogAdapter{cfg.Logger}, false, false, false)
	}
	ns.Start()
	if !ns.ReadyForConnections(readyTimeout) {
		ns.Shutdown()
		ns.WaitForShutdown()
		return nil, fmt.Errorf("embednats: server not ready for connections after %s", readyTimeout)
	}
	return &Server{ns: ns}, nil
}

// URL returns the nats:// URL clients connect to.
func (s *Server) URL() string {
	return s.ns.ClientURL()
}

// NATS exposes the underlying server, for tests that need to inspect it.
func (s *Server) NATS() *server.Server {
	return s.ns
}

// Close shuts the server down and waits until it has flushed and released
// its store. It is safe to call more than once.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		s.ns.Shutdown()
		s.ns.WaitForShutdown()
	})
}

// slogAdapter routes nats-server's printf-style logger to slog. Fatalf is
// logged as an error: the embedding program, not a library, decides when
// to exit.
type slogAdapter struct{ l *slog.Logger }

func (a slogAdapter) Noticef(format string, v ...any) { a.l.Info(fmt.Sprintf(format, v...)) }
func (a slogAdapter) Warnf(format string, v ...any)   { a.l.Warn(fmt.Sprintf(format, v...)) }
func (a slogAdapter) Fatalf(format string, v ...any)  { a.l.Error(fmt.Sprintf(format, v...)) }
func (a slogAdapter) Errorf(format string, v ...any)  { a.l.Error(fmt.Sprintf(format, v...)) }
func (a slogAdapter) Debugf(format string, v ...any)  { a.l.Debug(fmt.Sprintf(format, v...)) }
func (a slogAdapter) Tracef(format string, v ...any)  { a.l.Debug(fmt.Sprintf(format, v...)) }
