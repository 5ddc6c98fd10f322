// Command local runs the whole of Aidflow on one machine:
//
//	go run ./deploy/local [--demo]
//
// with embedded NATS and database unless NATS_URL / MONGO_URI are set.
// See the README's configuration table.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/aidflow/aidflow/deploy/stack"
)

func main() {
	demo := flag.Bool("demo", false, "load the demo data set (organizations, needs, capacity, donations)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *demo); err != nil {
		fmt.Fprintln(os.Stderr, "aidflow:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, demo bool) error {
	opts := stack.FromEnv()
	if opts.LogLevel == "" {
		opts.LogLevel = "warn"
	}
	s, err := stack.Start(ctx, opts)
	if err != nil {
		return err
	}
	defer s.Close()
	wctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	err = s.WaitReady(wctx)
	cancel()
	if err != nil {
		return err
	}
	fmt.Printf("Aidflow is running at %s\n", s.BaseURL)
	fmt.Printf("Operator token: %s\n", s.OperatorToken)
	if demo {
		tokens, err := stack.LoadDemo(ctx, s.BaseURL, s.OperatorToken)
		if err != nil {
			return err
		}
		dir := opts.DataDir
		if dir == "" {
			dir = ".aidflow"
		}
		path := filepath.Join(dir, "demo-tokens.json")
		raw, _ := json.MarshalIndent(tokens, "", "  ")
		if err := os.WriteFile(path, raw, 0o600); err != nil {
			return err
		}
		fmt.Printf("Demo data loaded; the demo organizations' tokens are in %s\n", path)
	}
	fmt.Println("Press Ctrl-C to stop.")
	<-ctx.Done()
	fmt.Println("Stopping…")
	return nil
}
