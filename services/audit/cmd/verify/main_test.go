package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/audit/adapters/mongo"
	"github.com/aidflow/aidflow/services/audit/service"
	"github.com/aidflow/aidflow/shared/auth"
	"github.com/aidflow/aidflow/shared/bus"
	"github.com/aidflow/aidflow/shared/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// The command against the real service (embedded NATS and FerretDB) over
// HTTP: an untouched log verifies; a saved export edited, cut, reordered
// or with a line deleted is caught at its first bad index, and so is a
// record edited in the database directly.
func TestVerifyCommand(t *testing.T) {
	iss := testkit.NewIssuer(t)
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	cfg := service.Config{Platform: testkit.PlatformConfig(t, service.Name, iss), SigningKey: key, CheckpointEvery: time.Hour}
	cfg.Platform.HTTPAddr = ""
	ctx, cancel := context.WithCancel(context.Background())
	m, err := service.Open(ctx, cfg)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Go(func() { _ = m.Run(ctx) })
	t.Cleanup(func() { cancel(); wg.Wait(); m.Close() })
	testkit.Eventually(t, 10*time.Second, func() bool { return m.Ready(context.Background()) == nil }, "service ready")
	srv := httptest.NewServer(m.Handler())
	t.Cleanup(srv.Close)

	b, err := bus.Connect(t.Context(), bus.Options{URL: cfg.Platform.NATSURL, Name: "neighbours"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	t0 := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	const n = 12
	for i := range n {
		id := fmt.Sprintf("need_%d", i)
		e := events.MustNew("demand", events.NeedPosted{NeedID: id, HospitalID: "org_h1", Item: "goggles", Quantity: int64(100 + i), Urgency: "high", NeededBy: "2026-03-08", Region: "420100"},
			events.Meta{Subject: id, OrgID: "org_h1", Item: "goggles", Time: t0.Add(time.Duration(i) * time.Minute)})
		if err := b.Publish(t.Context(), e); err != nil {
			t.Fatal(err)
		}
		if i == 4 { // a checkpoint inside the log, as the schedule signs them
			testkit.Eventually(t, 10*time.Second, func() bool { return m.App.Size() == 5 }, "5 recorded")
			if _, err := m.App.SignCheckpoint(t.Context()); err != nil {
				t.Fatal(err)
			}
		}
	}
	testkit.Eventually(t, 10*time.Second, func() bool { return m.App.Size() == n }, "every event recorded")
	if _, err := m.App.SignCheckpoint(t.Context()); err != nil {
		t.Fatal(err)
	}
	vkey := m.App.Signer.VerifierKey()
	token := iss.Org(t, auth.Regulator, "110000").Token
	dir := t.TempDir()
	saved := filepath.Join(dir, "log.jsonl")

	type out struct {
		OK     bool `json:"ok"`
		Export *struct {
			OK            bool   `json:"ok"`
			Records       int64  `json:"records"`
			Signed        int64  `json:"signed"`
			FirstBadIndex *int64 `json:"first_bad_index"`
		} `json:"export"`
	}
	verify := func(t *testing.T, wantCode int, args ...string) out {
		t.Helper()
		var stdout, stderr bytes.Buffer
		code := run(t.Context(), append([]string{"-key", vkey}, args...), &stdout, &stderr)
		if code != wantCode {
			t.Fatalf("verify %v = %d, want %d\n%s%s", args, code, wantCode, stdout.String(), stderr.String())
		}
		var o out
		if code != 2 {
			if err := json.Unmarshal(stdout.Bytes(), &o); err != nil {
				t.Fatal(err)
			}
		}
		return o
	}

	o := verify(t, 0, "-url", srv.URL, "-token", token, "-save-export", saved)
	if !o.OK || o.Export == nil || o.Export.Records != n || o.Export.Signed != n {
		t.Fatalf("untouched log: %+v", o.Export)
	}
	cps := filepath.Join(dir, "checkpoints.json")
	resp, err := srv.Client().Get(srv.URL + "/v1/audit/checkpoints")
	if err != nil {
		t.Fatal(err)
	}
	body := new(bytes.Buffer)
	_, _ = body.ReadFrom(resp.Body)
	resp.Body.Close()
	if err := os.WriteFile(cps, body.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	// The saved export verifies offline, against the saved checkpoints alone.
	if o := verify(t, 0, "-export", saved, "-checkpoints", cps); !o.Export.OK {
		t.Fatalf("saved export: %+v", o.Export)
	}

	raw, err := os.ReadFile(saved)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(strings.TrimSuffix(string(raw), "\n"), "\n")
	if len(lines) != n {
		t.Fatalf("saved %d lines, want %d", len(lines), n)
	}
	indexOf := func(quantity int) int { // streams deliver in order, but look
		for i, l := range lines {
			if strings.Contains(l, fmt.Sprintf(`"quantity":%d`, quantity)) {
				return i
			}
		}
		t.Fatalf("no record of quantity %d", quantity)
		return -1
	}
	tests := []struct {
		name    string
		edit    func([]string) []string
		wantBad int64
	}{
		{"edited", func(l []string) []string {
			i := indexOf(107)
			l[i] = strings.Replace(l[i], `"quantity":107`, `"quantity":7`, 1)
			return l
		}, 7},
		{"line deleted", func(l []string) []string { return append(l[:3:3], l[4:]...) }, 3},
		{"reordered", func(l []string) []string { l[8], l[9] = l[9], l[8]; return l }, 8},
		{"truncated", func(l []string) []string { return l[:10] }, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "log.jsonl")
			if err := os.WriteFile(file, []byte(strings.Join(tt.edit(append([]string(nil), lines...)), "")), 0o600); err != nil {
				t.Fatal(err)
			}
			o := verify(t, 1, "-export", file, "-url", srv.URL, "-token", token)
			if o.OK || o.Export.FirstBadIndex == nil || *o.Export.FirstBadIndex != tt.wantBad {
				t.Fatalf("%+v; want first bad index %d", o.Export, tt.wantBad)
			}
		})
	}

	t.Run("edited in the database", func(t *testing.T) {
		records := testkit.MongoClient(t, cfg.Platform.MongoURI).Database(cfg.Platform.MongoDB).Collection(mongo.Records)
		var doc struct {
			Envelope string `bson:"envelope"`
		}
		bad := int64(indexOf(102))
		if err := records.FindOne(t.Context(), bson.D{{Key: "_id", Value: mongo.Key(bad)}}).Decode(&doc); err != nil {
			t.Fatal(err)
		}
		forged := strings.Replace(doc.Envelope, `"quantity":102`, `"quantity":2`, 1)
		if _, err := records.UpdateOne(t.Context(), bson.D{{Key: "_id", Value: mongo.Key(bad)}}, bson.D{{Key: "$set", Value: bson.D{{Key: "envelope", Value: forged}}}}); err != nil {
			t.Fatal(err)
		}
		o := verify(t, 1, "-url", srv.URL, "-token", token)
		if o.Export.FirstBadIndex == nil || *o.Export.FirstBadIndex != bad {
			t.Fatalf("%+v; want first bad index %d", o.Export, bad)
		}
	})

	t.Run("usage", func(t *testing.T) {
		verify(t, 2, "-export", saved) // no checkpoints
		var stderr bytes.Buffer
		if code := run(t.Context(), []string{"-export", saved, "-checkpoints", cps}, &stderr, &stderr); code != 2 {
			t.Fatalf("without -key = %d, want 2", code)
		}
		verify(t, 2, "-export", saved, "-checkpoints", saved) // not checkpoints
	})
}
