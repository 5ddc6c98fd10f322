// Package schedule runs a service's periodic work (stale sweeps, expiry,
// checkpoints, snapshots, anomaly rules) on robfig/cron schedules, the same
// way everywhere: specs read from configuration, "off" to disable, runs
// that never overlap, failures logged by name, stopped with the context.
package schedule

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// Off disables a schedule.
const Off = "off"

// Parse reads a standard cron spec ("55 23 * * *") or a descriptor
// ("@every 10m"); "off" gives a nil schedule. A spec that names no zone
// (CRON_TZ=…) is read in loc, so "23:55" means the same day everywhere.
func Parse(spec string, loc *time.Location) (cron.Schedule, error) {
	spec = strings.TrimSpace(spec)
	if spec == Off {
		return nil, nil
	}
	s, err := cron.ParseStandard(spec)
	if err != nil {
		return nil, fmt.Errorf("%q is not a cron spec such as \"@every 10m\" or \"55 23 * * *\" (or off): %w", spec, err)
	}
	if ss, ok := s.(*cron.SpecSchedule); ok && loc != nil && ss.Location == time.Local &&
		!strings.HasPrefix(spec, "CRON_TZ=") && !strings.HasPrefix(spec, "TZ=") {
		ss.Location = loc
	}
	return s, nil
}

// Run runs job on s until ctx ends. A run that is still going when the next
// is due makes that one skip; an error is logged under name. A nil s (off)
// runs nothing.
func Run(ctx context.Context, log *slog.Logger, name string, s cron.Schedule, job func(context.Context) error) {
	if s == nil {
		return
	}
	c := cron.New(cron.WithChain(cron.SkipIfStillRunning(cron.DiscardLogger)))
	c.Schedule(s, cron.FuncJob(func() {
		if err := job(ctx); err != nil && ctx.Err() == nil {
			log.ErrorContext(ctx, name+" failed", "err", err)
		}
	}))
	c.Start()
	go func() {
		<-ctx.Done()
		<-c.Stop().Done()
	}()
}

// Counted makes a job of one that says how many things it changed (needs
// marked stale, gifts flagged, allocations expired): a run that changed
// any is logged as msg with the count under key; one that changed none
// says nothing, so a quiet schedule leaves a quiet log.
func Counted(log *slog.Logger, msg, key string, job func(context.Context) (int, error)) func(context.Context) error {
	return func(ctx context.Context) error {
		n, err := job(ctx)
		if n > 0 {
			log.InfoContext(ctx, msg, key, n)
		}
		return err
	}
}
