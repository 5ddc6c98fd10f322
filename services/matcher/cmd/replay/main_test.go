package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/matcher/adapters/memory"
	"github.com/aidflow/aidflow/services/matcher/app"
	"github.com/aidflow/aidflow/services/matcher/ports"
)

// smallLog runs a need and a capacity report through a matcher as its
// consumers would and returns the log: both events and what it announced.
func smallLog(t *testing.T) []events.Envelope {
	t.Helper()
	ctx, repo := context.Background(), memory.New()
	a := app.New(repo, 48*time.Hour)
	now := time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)
	a.Now = func() time.Time { return now }
	var log []events.Envelope
	for _, e := range []events.Envelope{
		events.MustNew("demand", events.NeedPosted{NeedID: "n1", HospitalID: "h1", Item: "ventilator", Region: "420100", Quantity: 5,
			Urgency: "critical", NeededBy: "2026-03-05"}, events.Meta{ID: "evt_1", Time: now}),
		events.MustNew("supply", events.CapacityReported{CapacityID: "c1", ManufacturerID: "m1", Item: "ventilator", Region: "420100",
			AvailableNow: 3, Revision: 1}, events.Meta{ID: "evt_2", Time: now}),
	} {
		for _, c := range ports.Consumers(a) {
			for _, typ := range c.Spec.Types {
				if typ == e.Type {
					if err := c.Handler(ctx, e); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
		log = append(log, e)
	}
	return append(log, repo.Events()...)
}

func write(t *testing.T, log []events.Envelope) string {
	t.Helper()
	var b bytes.Buffer
	for _, e := range log {
		raw, _ := json.Marshal(e)
		b.Write(append(raw, '\n'))
	}
	p := filepath.Join(t.TempDir(), "events.jsonl")
	if err := os.WriteFile(p, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRun(t *testing.T) {
	good := smallLog(t)
	bad := smallLog(t)
	bad[2].Data = json.RawMessage(strings.Replace(string(bad[2].Data), `"quantity":3`, `"quantity":2`, 1))
	garbage := filepath.Join(t.TempDir(), "x")
	if err := os.WriteFile(garbage, []byte("not a log"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		args   []string
		stdin  string
		code   int
		stdout string
	}{
		{"a log that agrees, from a file", []string{write(t, good)}, "", 0, `"agreed": 1`},
		{"a log that agrees, on standard input", nil, string(mustRead(t, write(t, good))), 0, `"issued": 1`},
		{"an altered allocation", []string{write(t, bad)}, "", 1, `"mismatches"`},
		{"not a log", []string{garbage}, "", 2, ""},
		{"no such file", []string{filepath.Join(t.TempDir(), "none")}, "", 2, ""},
		{"too many arguments", []string{"a", "b"}, "", 2, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			if code := run(tt.args, strings.NewReader(tt.stdin), &out, &errOut); code != tt.code {
				t.Fatalf("exit %d, want %d; stderr %s", code, tt.code, errOut.String())
			}
			if !strings.Contains(out.String(), tt.stdout) {
				t.Fatalf("stdout %s does not contain %s", out.String(), tt.stdout)
			}
		})
	}
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
