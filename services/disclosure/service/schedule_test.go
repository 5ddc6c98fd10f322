package service

import (
	"testing"
	"time"
)

func TestSnapshotScheduleReadsChinaTime(t *testing.T) {
	from := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC) // 20:00 in China
	for _, tt := range []struct {
		spec string
		want time.Time
	}{
		{DefaultSnapshotSchedule, time.Date(2026, 3, 1, 15, 55, 0, 0, time.UTC)}, // 23:55 UTC+8
		{"0 0 * * *", time.Date(2026, 3, 1, 16, 0, 0, 0, time.UTC)},              // midnight in China
		{"CRON_TZ=UTC 0 0 * * *", time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)},
		{"@every 1h", time.Date(2026, 3, 1, 13, 0, 0, 0, time.UTC)},
	} {
		s, err := parseSchedule(tt.spec)
		if err != nil {
			t.Fatalf("%q: %v", tt.spec, err)
		}
		if got := s.Next(from); !got.Equal(tt.want) {
			t.Errorf("%q: next run %v, want %v", tt.spec, got.UTC(), tt.want)
		}
	}
	if _, err := parseSchedule("every day"); err == nil {
		t.Error("a bad spec parsed")
	}
}
