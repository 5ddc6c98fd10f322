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
