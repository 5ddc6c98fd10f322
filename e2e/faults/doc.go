// Package faults holds Aidflow's fault and partition tests: NATS, the
// database and every service run as child processes on data directories,
// are killed with SIGKILL (or stopped at a failpoint) and restarted, or
// are cut off through toxiproxy, while a client keeps writing; afterwards
// one checker proves nothing acknowledged was lost or duplicated and the
// matcher's invariants hold. See README.md.
package faults
