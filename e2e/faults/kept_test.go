package faults_test

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/audit/auditor"
	"github.com/aidflow/aidflow/services/matcher/replay"
	"github.com/aidflow/aidflow/shared/bus"
)

// keptPromises checks, once everything has flowed, what each 2xx promised
// beyond its thing existing once:
//   - sent again with its Idempotency-Key, each write answers as it first
//     did (the same need, capacity, donation and tracking code,
//     organization and token); the caller's next read checks it created
//     nothing;
//   - every token the registry gave works, as its organization;
//   - every tracking code opens its donation's journey;
//   - the audit log, every record against every checkpoint, verifies as an
//     outside auditor checks it (services/audit/auditor).
func keptPromises(t *testing.T, c *cluster, api *client, w world, p promises) {
	t.Helper()
	for _, s := range p.writes() {
		if s.Key == "" {
			continue // setUp's, sent once without a key
		}
		code, raw, _ := api.write(s.Method, s.Path, s.Token, s.Key, s.Body)
		if code != s.Code {
			t.Errorf("%s %s (key %s) sent again: %d %s; first answered %d %s", s.Method, s.Path, s.Key, code, raw, s.Code, s.Answer)
			continue
		}
		if first, again := s.named(), (sent{Answer: raw}).named(); again != first {
			t.Errorf("%s %s (key %s) sent again: %+v; first %+v", s.Method, s.Path, s.Key, again, first)
		}
	}
	me := func(token, wantOrg string) {
		t.Helper()
		code, raw, err := api.do(http.MethodGet, "/v1/me", token, "", nil)
		var o orgView
		if err != nil || code != http.StatusOK || json.Unmarshal(raw, &o) != nil || o.ID != wantOrg {
			t.Errorf("GET /v1/me with the token given for %s: %d %s %v", wantOrg, code, raw, err)
		}
	}
	for _, o := range p.orgs {
		me(o.Token, o.ID)
	}
	for _, g := range p.tokens {
		me(g.Token, g.OrgID)
	}
	for _, d := range p.donations {
		code, raw, err := api.do(http.MethodGet, "/v1/public/donations/"+d.TrackingCode, "", "", nil)
		var j struct {
			Items []struct {
				Pledged int64 `json:"pledged"`
			} `json:"items"`
		}
		if err != nil || code != http.StatusOK || json.Unmarshal(raw, &j) != nil || len(j.Items) != 1 || j.Items[0].Pledged != d.Quantity {
			t.Errorf("the journey of donation %s (code %s): %d %s %v", d.ID, d.TrackingCode, code, raw, err)
		}
	}
	verifyAuditLog(t, c, api, w)
}

// verifyAuditLog has the latest checkpoint cover the whole log, then
// checks every record against every signed checkpoint with the log's
// verifier key, as an outside auditor does: a record recorded twice, lost
// or altered, or two checkpoints that disagree, fail it.
func verifyAuditLog(t *testing.T, c *cluster, api *client, w world) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if code, raw, err := api.do(http.MethodGet, "/v1/public/checkpoint", "", "", nil); err != nil || code != http.StatusOK {
		t.Fatalf("GET /v1/public/checkpoint: %d %s %v", code, raw, err)
	}
	cl := &auditor.Client{Base: c.Base, Token: w.regulator}
	notes, err := cl.Checkpoints(ctx) // before the export, so none is larger
	if err != nil {
		t.Fatal(err)
	}
	cps, err := auditor.OpenCheckpoints(notes, c.AuditKey)
	if err != nil {
		t.Fatalf("the checkpoints: %v", err)
	}
	lines, err := cl.Export(ctx)
	if err != nil {
		t.Fatal(err)
	}
	recs := make([]auditor.Record, 0, len(lines))
	for _, l := range lines {
		r, err := l.Record()
		if err != nil {
			t.Fatalf("record %d: %v", l.Index, err)
		}
		recs = append(recs, r)
	}
	res, err := auditor.VerifyExport(ctx, recs, cps, cl)
	if err != nil {
		t.Fatal(err)
	}
	if !res.OK || res.Signed != res.Records {
		t.Fatalf("the audit log does not verify: %+v", res)
	}
	replayMatcher(t, lines)
}

// replayMatcher replays the exported log with the matcher's replay: every
// allocation the policy issued, through the crashes and restarts, must be
// recomputed identically.
func replayMatcher(t *testing.T, lines []auditor.Line) {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	for _, l := range lines {
		if err := enc.Encode(l.Envelope); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := replay.Run(context.Background(), &b)
	if err != nil {
		t.Fatalf("replay the audit log: %v", err)
	}
	if !rep.Agrees() || rep.Agreed != rep.Issued || rep.Issued == 0 {
		kept := filepath.Join(os.TempDir(), "aidflow-replay-"+strings.NewReplacer("/", "_", "=", "_", "@", "_").Replace(t.Name())+".jsonl")
		var out bytes.Buffer
		enc := json.NewEncoder(&out)
		for _, l := range lines {
			_ = enc.Encode(l.Envelope)
		}
		_ = os.WriteFile(kept, out.Bytes(), 0o644)
		t.Fatalf("the audit log does not replay (kept in %s): %d of %d allocations agreed; %+v", kept, rep.Agreed, rep.Issued, rep.Mismatches)
	}
	t.Logf("replay: %d allocations issued by the policy recomputed identically, %d overrides adopted", rep.Agreed, rep.Overrides)
}

// checkpointsSigned counts the checkpoint_signed events in the audit
// service's stream by checkpoint size, as a follower of the checkpoints
// replays them.
func (c *cluster) checkpointsSigned() (map[int64]int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b, err := bus.Connect(ctx, bus.Options{URL: "nats://" + c.NATSAddr, Name: "fault-checker"})
	if err != nil {
		return nil, err
	}
	defer b.Close()
	var mu sync.Mutex
	counted := map[int64]int{}
	f, err := b.Follow(ctx, "audit", []string{events.CheckpointSignedType}, func(e events.Envelope) {
		var d events.CheckpointSigned
		if e.Decode(&d) == nil {
			mu.Lock()
			counted[d.Size]++
			mu.Unlock()
		}
	})
	if err != nil {
		return nil, err
	}
	defer f.Stop()
	select {
	case <-f.CaughtUp(): // every event stored when it started is counted
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	mu.Lock()
	defer mu.Unlock()
	return maps.Clone(counted), nil
}
