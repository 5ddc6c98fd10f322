// Command console serves the regulators' console on its own, configured
// by its environment (services/console/README.md).
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/aidflow/aidflow/services/console/service"
	"github.com/aidflow/aidflow/shared/config"
)

func main() {
	l := config.FromEnv()
	cfg := service.LoadConfig(l)
	if err := l.Err(); err != nil {
		fmt.Fprintf(os.Stderr, "console: %v\n", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	m, err := service.Open(ctx, cfg)
	if err != nil {
		fmt.Fprintf(os.Stderr, "console: start: %v\n", err)
		os.Exit(1)
	}
	defer m.Close()
	if err := m.Run(ctx); err != nil {
		fmt.Fprintf(os.Stderr, "console: %v\n", err)
		stop()
		os.Exit(1) //nolint:gocritic // deferred Close has nothing to release
	}
}
