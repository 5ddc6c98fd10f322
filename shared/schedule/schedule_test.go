package schedule_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aidflow/aidflow/shared/logging"
	"github.com/aidflow/aidflow/shared/schedule"
)

func TestParseReadsSpecsInTheGivenZone(t *testing.T) {
	china := time.FixedZone("CST", 8*3600)
	from := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC) // 20:00 in China
	for _, tt := range []struct {
		spec string
		want time.Time
	}{
		{"55 23 * * *", time.Date(2026, 3, 1, 15, 55, 0, 0, time.UTC)}, // 23:55 UTC+8
		{"0 0 * * *", time.Date(2026, 3, 1, 16, 0, 0, 0, time.UTC)},    // midnight in China
		{"CRON_TZ=UTC 0 0 * * *", time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)},
		{"@every 1h", time.Date(2026, 3, 1, 13, 0, 0, 0, time.UTC)},
	} {
		s, err := schedule.Parse(tt.spec, china)
		if err != nil {
			t.Fatalf("%q: %v", tt.spec, err)
		}
		if got := s.Next(from); !got.Equal(tt.want) {
			t.Errorf("%q: next run %v, want %v", tt.spec, got.UTC(), tt.want)
		}
	}
	if s, err := schedule.Parse("off", china); err != nil || s != nil {
		t.Errorf("off: %v %v", s, err)
	}
	if _, err := schedule.Parse("every day", china); err == nil {
		t.Error("a bad spec parsed")
	}
}

func TestRunRunsUntilStoppedAndNeverOverlaps(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var runs, inside, overlapped atomic.Int32
	s, _ := schedule.Parse("@every 1s", nil)
	schedule.Run(ctx, logging.Discard(), "test", s, func(context.Context) error {
		if inside.Add(1) > 1 {
			overlapped.Add(1)
		}
		defer inside.Add(-1)
		runs.Add(1)
		return errors.New("logged, not fatal")
	})
	deadline := time.Now().Add(10 * time.Second)
	for runs.Load() < 2 {
		if time.Now().After(deadline) {
			t.Fatal("the job did not run twice")
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if overlapped.Load() != 0 {
		t.Error("runs overlapped")
	}
	schedule.Run(ctx, logging.Discard(), "off", nil, func(context.Context) error { t.Error("off ran"); return nil })
}

func TestCountedLogsOnlyRunsThatChangedSomething(t *testing.T) {
	boom := errors.New("store down")
	for _, tt := range []struct {
		name    string
		n       int
		err     error
		wantLog string
	}{
		{"changed some", 3, nil, `"msg":"stale sweep","service":"demand","marked":3`},
		{"changed none", 0, nil, ""},
		{"failed part way", 2, boom, `"marked":2`},
		{"failed", 0, boom, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			job := schedule.Counted(logging.New("demand", &out, "info"), "stale sweep", "marked", func(context.Context) (int, error) { return tt.n, tt.err })
			if err := job(t.Context()); !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if got := out.String(); tt.wantLog == "" && got != "" || !strings.Contains(got, tt.wantLog) {
				t.Fatalf("log %q, want %q", got, tt.wantLog)
			}
		})
	}
}
