package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/aidflow/aidflow/services/matcher/replay"
)

// replayAgrees exports the audit log as a regulator reads it (every page
// of GET /v1/audit/events) and replays it with the matcher's replay: every
// allocation the policy issued must be recomputed identically, whatever
// order the audit read the matcher's input streams in. The audit may still
// be reading the streams (it appends one event at a time, across every
// stream; on a loaded machine it can be a minute behind), and an export
// taken before it caught up lacks inputs or allocations: it is exported
// and replayed again until it agrees, for up to two minutes.
func replayAgrees(t *testing.T, reg client) replay.Report {
	t.Helper()
	var rep replay.Report
	deadline := time.Now().Add(2 * time.Minute)
	tries := 0
	for {
		var log bytes.Buffer
		cursor := ""
		for {
			page := reg.must(200, "GET", "/v1/audit/events?limit=200"+cursor, nil)
			raw, err := json.Marshal(page)
			if err != nil {
				t.Fatal(err)
			}
			log.Write(raw)
			log.WriteByte('\n')
			if str(page, "next") == "" {
				break
			}
			cursor = "&cursor=" + str(page, "next")
		}
		var err error
		rep, err = replay.Run(context.Background(), &log)
		if err != nil {
			t.Fatalf("replay the audit log: %v", err)
		}
		if rep.Agrees() && rep.Agreed == rep.Issued {
			return rep
		}
		if time.Now().After(deadline) {
			t.Fatalf("the audit log does not replay: %d of %d allocations agreed; %+v", rep.Agreed, rep.Issued, rep.Mismatches)
		}
		if tries++; tries%10 == 1 {
			t.Logf("an export of %d events does not replay yet (%d of %d agreed; %d mismatches); the audit may be behind",
				rep.Events, rep.Agreed, rep.Issued, len(rep.Mismatches))
		}
		time.Sleep(time.Second)
	}
}
