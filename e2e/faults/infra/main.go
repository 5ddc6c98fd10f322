// Command infra runs the embedded NATS JetStream server or the embedded
// database (FerretDB on SQLite) alone, as its own process on a data
// directory, so the fault tests can SIGKILL it by PID and start it again on
// the same files:
//
//	go run ./e2e/faults/infra -kind nats -dir DIR -addr 127.0.0.1:4222
//	go run ./e2e/faults/infra -kind db   -dir DIR -addr 127.0.0.1:27017
//
// It prints "ready <url>" on stdout once clients can connect, and exits 0
// on SIGTERM or SIGINT after a clean shutdown.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/aidflow/aidflow/shared/embednats"
	"github.com/aidflow/aidflow/shared/embedstore"
	"github.com/aidflow/aidflow/shared/logging"
)

func main() {
	kind := flag.String("kind", "", "nats or db")
	dir := flag.String("dir", "", "data directory (created if missing)")
	addr := flag.String("addr", "127.0.0.1:0", "listen address host:port")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *kind, *dir, *addr); err != nil {
		fmt.Fprintln(os.Stderr, "infra:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, kind, dir, addr string) error {
	if dir == "" {
		return errors.New("-dir is required")
	}
	log := logging.New("infra-"+kind, os.Stderr, "warn")
	switch kind {
	case "nats":
		host, portStr, err := net.SplitHostPort(addr)
		if err != nil {
			return fmt.Errorf("-addr: %w", err)
		}
		port, err := strconv.Atoi(portStr)
		if err != nil {
			return fmt.Errorf("-addr port: %w", err)
		}
		srv, err := embednats.Start(embednats.Config{Dir: dir, Host: host, Port: port, Logger: log})
		if err != nil {
			return err
		}
		defer srv.Close()
		fmt.Println("ready", srv.URL())
	case "db":
		sctx, cancel := context.WithTimeout(ctx, time.Minute)
		srv, err := embedstore.Start(sctx, embedstore.Config{Dir: dir, Addr: addr, Logger: log})
		cancel()
		if err != nil {
			return err
		}
		defer func() { _ = srv.Close() }()
		fmt.Println("ready", srv.URI())
	default:
		return fmt.Errorf("-kind must be nats or db, not %q", kind)
	}
	<-ctx.Done()
	return nil
}
