package platform

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/aidflow/aidflow/shared/config"
)

// Service is what each services/<name>/service package builds: the local
// stack serves Handler behind its gateway; cmd/<name> serves it alone.
type Service interface {
	Handler() http.Handler
	Ready(ctx context.Context) error
	Run(ctx context.Context) error
	Close()
}

// Hosted gives a service's Main the Service methods of the Platform it
// runs on, which are the same for every service: a Main embeds it and
// defines only what it does differently (a Run that also holds a lease).
type Hosted struct{ P *Platform }

// Handler is the platform's HTTP server.
func (h Hosted) Handler() http.Handler { return h.P.HTTP }

// Ready is the platform's readiness: store, bus and the service's checks.
func (h Hosted) Ready(ctx context.Context) error { return h.P.Ready(ctx) }

// Run serves until ctx ends.
func (h Hosted) Run(ctx context.Context) error { return h.P.Run(ctx) }

// Close releases the platform's connections.
func (h Hosted) Close() { h.P.Close() }

// Main runs one service as a process: config from the environment (a bad
// variable stops it with the variable's name), SIGINT/SIGTERM stop it.
// It returns the process exit code.
func Main[C any](name string, load func(*config.Loader) C, start func(context.Context, C) (Service, error)) int {
	l := config.FromEnv()
	cfg := load(l)
	if err := l.Err(); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	svc, err := start(ctx, cfg)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: start: %v\n", name, err)
		return 1
	}
	defer svc.Close()
	if err := svc.Run(ctx); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		return 1
	}
	return 0
}
