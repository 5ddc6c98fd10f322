// Command replay recomputes every allocation of an exported event log
// (JSON lines of envelopes, or pages of GET /v1/audit/events) with this
// build's matching policy and reports whether it agrees with what was
// issued. It prints the report as JSON and exits 1 on any disagreement.
//
//	go run ./services/matcher/cmd/replay < events.jsonl
//	go run ./services/matcher/cmd/replay events.jsonl
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/aidflow/aidflow/services/matcher/replay"
)

func main() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	in := stdin
	if len(args) > 1 {
		fmt.Fprintln(stderr, "usage: replay [events.jsonl]  (or the log on standard input)")
		return 2
	}
	if len(args) == 1 {
		f, err := os.Open(args[0])
		if err != nil {
			fmt.Fprintln(stderr, "replay:", err)
			return 2
		}
		defer f.Close()
		in = f
	}
	rep, err := replay.Run(context.Background(), in)
	if err != nil {
		fmt.Fprintln(stderr, "replay:", err)
		return 2
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(rep); err != nil {
		fmt.Fprintln(stderr, "replay:", err)
		return 2
	}
	if !rep.Agrees() {
		fmt.Fprintf(stderr, "replay: %d disagreement(s)\n", len(rep.Mismatches))
		return 1
	}
	fmt.Fprintf(stderr, "replay: all %d allocations issued by this policy recomputed identically\n", rep.Issued)
	return 0
}
