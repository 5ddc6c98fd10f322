// Package failpoint lets a fault test stop a process at a named point in
// the code, as abruptly as SIGKILL (no deferred calls, no flush, no
// graceful stop), so the test can restart it and check what survived.
//
// Failpoints are compiled into every binary and inert unless the process
// starts with AIDFLOW_FAILPOINTS set, e.g.
//
//	AIDFLOW_FAILPOINTS=outbox.before_publish=exit,bus.after_handle=exit@3
//
// `name=exit` exits at the first hit, `name=exit@N` at the N-th. When the
// variable is unset, Hit is one load of a nil map and a return.
// The process exits with ExitCode, which the tests tell from a crash.
package failpoint

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
)

// Env is the variable that arms failpoints.
const Env = "AIDFLOW_FAILPOINTS"

// ExitCode is the exit status of a process stopped by a failpoint.
const ExitCode = 86

// The failpoints placed in shared code (documented in shared/README.md).
const (
	// OutboxAfterWrite: a state change and its outbox entries are stored,
	// the relay has not been told, the request has not been answered.
	OutboxAfterWrite = "outbox.after_write"
	// OutboxBeforePublish: the relay read an aggregate's pending events and
	// is about to publish them.
	OutboxBeforePublish = "outbox.before_publish"
	// BusAfterHandle: a consumer's handler wrote its side effect; the
	// processed mark and the ack are not written yet.
	BusAfterHandle = "bus.after_handle"
)

type point struct {
	at   int64 // exit on this hit (1-based)
	hits atomic.Int64
}

// armed is nil unless the process started with Env set; it is written once
// in init and only read afterwards.
var armed map[string]*point

// exit is os.Exit; tests of this package replace it.
var (
	osExit = os.Exit
	exit   = osExit
)

func init() {
	var err error
	if armed, err = parse(os.Getenv(Env)); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", Env, err)
		os.Exit(2)
	}
}

// parse reads a failpoint specification; "" arms nothing.
func parse(spec string) (map[string]*point, error) {
	if strings.TrimSpace(spec) == "" {
		return nil, nil
	}
	out := map[string]*point{}
	for part := range strings.SplitSeq(spec, ",") {
		name, action, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || name == "" {
			return nil, fmt.Errorf("%q: want name=exit or name=exit@N", part)
		}
		at := int64(1)
		if n, found := strings.CutPrefix(action, "exit@"); found {
			v, err := strconv.ParseInt(n, 10, 64)
			if err != nil || v < 1 {
				return nil, fmt.Errorf("%q: N in exit@N must be a positive integer", part)
			}
			at = v
		} else if action != "exit" {
			return nil, fmt.Errorf("%q: the only action is exit (or exit@N)", part)
		}
		out[name] = &point{at: at}
	}
	return out, nil
}

// Hit passes the named failpoint: when it is armed and this is the hit it
// waits for, the process exits at once with ExitCode.
func Hit(name string) {
	if armed == nil {
		return
	}
	p := armed[name]
	if p == nil {
		return
	}
	if p.hits.Add(1) == p.at {
		fmt.Fprintf(os.Stderr, "failpoint %s: exiting with status %d\n", name, ExitCode)
		exit(ExitCode)
	}
}
