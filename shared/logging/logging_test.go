package logging_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/aidflow/aidflow/shared/logging"
)

func TestLoggerAddsServiceAndContextIDs(t *testing.T) {
	var buf bytes.Buffer
	log := logging.New("demand", &buf, "info")
	ctx := logging.WithEventID(logging.WithRequestID(context.Background(), "r1"), "e1")
	log.InfoContext(ctx, "hello", "k", 1)
	log.DebugContext(ctx, "hidden")

	var rec map[string]any
	if err := json.Unmarshal(bytes.TrimSpace(buf.Bytes()), &rec); err != nil {
		t.Fatalf("want exactly one JSON record, got %q: %v", buf.String(), err)
	}
	for k, want := range map[string]any{"service": "demand", "request_id": "r1", "event_id": "e1", "msg": "hello"} {
		if rec[k] != want {
			t.Errorf("%s = %v, want %v", k, rec[k], want)
		}
	}
}
