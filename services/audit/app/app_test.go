package app_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/audit/adapters/memory"
	"github.com/aidflow/aidflow/services/audit/app"
	"github.com/aidflow/aidflow/services/audit/domain"
)

var t0 = time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)

type fixture struct {
	log *memory.Log
	cps *memory.Checkpoints
	ans *memory.Anomalies
	app *app.App
}

func newSigner(tb testing.TB) *domain.Signer {
	tb.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	s, err := domain.NewSigner(domain.Origin, priv)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func newFixture(tb testing.TB) *fixture {
	tb.Helper()
	f := &fixture{log: memory.NewLog(), cps: memory.NewCheckpoints(), ans: memory.NewAnomalies()}
	f.app = f.open(tb, newSigner(tb))
	return f
}

// open starts an App over the fixture's stores, as a restart would.
func (f *fixture) open(tb testing.TB, s *domain.Signer) *app.App {
	tb.Helper()
	a := app.New(f.log, f.cps, s)
	a.Anomalies = f.ans
	a.Now = func() time.Time { return t0 }
	if err := a.Load(context.Background()); err != nil {
		tb.Fatal(err)
	}
	return a
}

func need(i int, org string) events.Envelope {
	id := fmt.Sprintf("need_%d", i)
	return events.MustNew("demand", events.NeedPosted{NeedID: id, HospitalID: org, Item: "goggles", Quantity: int64(i + 1), Urgency: "high", NeededBy: "2026-03-08", Region: "420100"},
		events.Meta{Subject: id, OrgID: org, Item: "goggles", Time: t0.Add(time.Duration(i) * time.Minute)})
}

func mustAppend(tb testing.TB, a *app.App, e events.Envelope) int64 {
	tb.Helper()
	i, _, err := a.Append(context.Background(), e)
	if err != nil {
		tb.Fatal(err)
	}
	return i
}

// rootOf computes the RFC 6962 root of the events' canonical bytes
// independently of the store, with tlog's in-memory hashes.
func rootOf(tb testing.TB, evs ...events.Envelope) tlog.Hash {
	tb.Helper()
	var stored []tlog.Hash
	r := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, s := range idx {
			out[i] = stored[s]
		}
		return out, nil
	})
	for n, e := range evs {
		data, err := domain.Canonical(e)
		if err != nil {
			tb.Fatal(err)
		}
		hs, err := tlog.StoredHashes(int64(n), data, r)
		if err != nil {
			tb.Fatal(err)
		}
		stored = append(stored, hs...)
	}
	root, err := tlog.TreeHash(int64(len(evs)), r)
	if err != nil {
		tb.Fatal(err)
	}
	return root
}

func TestAppendIsIdempotent(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	e0, e1 := need(0, "h1"), need(1, "h1")
	for _, tt := range []struct {
		e        events.Envelope
		index    int64
		appended bool
	}{
		{e0, 0, true},
		{e0, 0, false}, // the same event again: one record
		{e1, 1, true},
		{e0, 0, false},
		{e1, 1, false},
	} {
		i, appended, err := f.app.Append(ctx, tt.e)
		if err != nil || i != tt.index || appended != tt.appended {
			t.Fatalf("Append(%s) = %d, %v, %v; want %d, %v", tt.e.Subject, i, appended, err, tt.index, tt.appended)
		}
	}
	if got := f.app.Size(); got != 2 {
		t.Fatalf("size %d, want 2", got)
	}
	// After a restart the event-id records still hold.
	a := f.open(t, newSigner(t))
	if i, appended, err := a.Append(ctx, e1); err != nil || appended || i != 1 {
		t.Fatalf("after restart Append(e1) = %d, %v, %v", i, appended, err)
	}
	v, err := a.VerifyLog(ctx)
	if err != nil || !v.OK || v.Size != 2 || v.RootHash != rootOf(t, e0, e1).String() {
		t.Fatalf("verify = %+v, %v; want ok over 2 records with root %s", v, err, rootOf(t, e0, e1))
	}
}

func TestAppendSurvivesFailures(t *testing.T) {
	ctx := context.Background()
	boom := errors.New("boom")
	tests := []struct {
		name string
		// set arranges one failure on the fixture's store.
		set func(l *memory.Log)
		// restart reopens the App after the failure, as after a crash.
		restart bool
	}{
		{"hashes fail", func(l *memory.Log) { l.FailBefore = failOnce("hashes", boom) }, false},
		{"hashes written, then crash", func(l *memory.Log) { l.FailAfter = failOnce("hashes", boom) }, true},
		{"record fails", func(l *memory.Log) { l.FailBefore = failOnce("record", boom) }, false},
		{"record written, ack lost", func(l *memory.Log) { l.FailAfter = failOnce("record", boom) }, false},
		{"record written, then crash", func(l *memory.Log) { l.FailAfter = failOnce("record", boom) }, true},
		{"event index fails", func(l *memory.Log) { l.FailBefore = failOnce("event_index", boom) }, false},
		{"event index fails, then crash", func(l *memory.Log) { l.FailBefore = failOnce("event_index", boom) }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			e0, e1, e2 := need(0, "h1"), need(1, "h1"), need(2, "h2")
			mustAppend(t, f.app, e0)
			tt.set(f.log)
			if _, _, err := f.app.Append(ctx, e1); err == nil {
				t.Fatal("the failure did not surface")
			}
			a := f.app
			if tt.restart {
				a = f.open(t, newSigner(t))
			}
			// The consumer redelivers e1, then the next event comes.
			if i, _, err := a.Append(ctx, e1); err != nil || i != 1 {
				t.Fatalf("redelivered e1 at %d, %v; want 1", i, err)
			}
			if i, _, err := a.Append(ctx, e2); err != nil || i != 2 {
				t.Fatalf("e2 at %d, %v; want 2", i, err)
			}
			if i, appended, err := a.Append(ctx, e1); err != nil || appended || i != 1 {
				t.Fatalf("e1 once more = %d, %v, %v", i, appended, err)
			}
			v, err := a.VerifyLog(ctx)
			if err != nil || !v.OK || v.Size != 3 || v.RootHash != rootOf(t, e0, e1, e2).String() {
				t.Fatalf("verify = %+v, %v", v, err)
			}
		})
	}
}

func failOnce(op string, err error) func(string) error {
	done := false
	return func(got string) error {
		if got == op && !done {
			done = true
			return err
		}
		return nil
	}
}

func TestVerifyNamesTheFirstBadIndex(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		tamper  func(f *fixture)
		wantBad int64
	}{
		{"edited record", func(f *fixture) {
			r, _ := f.log.Record(ctx, 3)
			f.log.Tamper(3, append(r.Data[:len(r.Data)-1:len(r.Data)-1], ' ', '}'))
		}, 3},
		{"record swapped for another event", func(f *fixture) {
			data, _ := domain.Canonical(need(99, "h9"))
			f.log.Tamper(5, data)
		}, 5},
		{"two records reordered", func(f *fixture) {
			a, _ := f.log.Record(ctx, 2)
			b, _ := f.log.Record(ctx, 4)
			f.log.Tamper(2, b.Data)
			f.log.Tamper(4, a.Data)
		}, 2},
		{"record deleted", func(f *fixture) { f.log.Delete(6) }, 6},
		{"last record deleted", func(f *fixture) { f.log.Delete(7) }, 7},
		{"stored tree hash altered", func(f *fixture) {
			// Storage index of the level-1 hash written with record 5.
			f.log.SetHash(tlog.StoredHashIndex(1, 2), tlog.RecordHash([]byte("forged")))
		}, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			for i := range 8 {
				mustAppend(t, f.app, need(i, "h1"))
			}
			if v, err := f.app.VerifyLog(ctx); err != nil || !v.OK || v.Checked != 8 || v.FirstBadIndex != nil {
				t.Fatalf("before tampering: %+v, %v", v, err)
			}
			tt.tamper(f)
			v, err := f.app.VerifyLog(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if v.OK || v.FirstBadIndex == nil || *v.FirstBadIndex != tt.wantBad || v.Checked != tt.wantBad || v.Detail == "" {
				t.Fatalf("verify = %+v (first bad %v); want not ok, first bad %d", v, deref(v.FirstBadIndex), tt.wantBad)
			}
		})
	}
}

func deref(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

func TestVerifyComparesWithTheSignedCheckpoint(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	for i := range 4 {
		mustAppend(t, f.app, need(i, "h1"))
	}
	if _, err := f.app.SignCheckpoint(ctx); err != nil {
		t.Fatal(err)
	}
	// A rewrite of records and tree together: a fresh log with other
	// events, under the same checkpoint history.
	forged := &fixture{log: memory.NewLog(), cps: f.cps, ans: memory.NewAnomalies()}
	w := forged.open(t, newSigner(t))
	for i := range 4 {
		mustAppend(t, w, need(i+10, "h1"))
	}
	v, err := w.VerifyLog(ctx)
	if err != nil || v.OK || v.Detail == "" {
		t.Fatalf("verify of a rewritten log = %+v, %v; want not ok", v, err)
	}
	// A log cut shorter than its checkpoint names the first missing record.
	cut := &fixture{log: memory.NewLog(), cps: f.cps, ans: memory.NewAnomalies()}
	c := cut.open(t, newSigner(t))
	for i := range 2 {
		mustAppend(t, c, need(i, "h1"))
	}
	v, err = c.VerifyLog(ctx)
	if err != nil || v.OK || v.FirstBadIndex == nil || *v.FirstBadIndex != 2 {
		t.Fatalf("verify of a truncated log = %+v, %v; want first bad 2", v, err)
	}
}

func TestSignCheckpointOnlyWhenTheLogGrew(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	s := f.app.Signer
	cp0, err := f.app.SignCheckpoint(ctx)
	if err != nil || cp0.Size != 0 || cp0.Root != rootOf(t) {
		t.Fatalf("empty log checkpoint = %+v, %v", cp0, err)
	}
	again, err := f.app.CurrentCheckpoint(ctx)
	if err != nil || string(again.Note) != string(cp0.Note) {
		t.Fatalf("idle log signed again: %+v, %v", again, err)
	}
	e0, e1 := need(0, "h1"), need(1, "h1")
	mustAppend(t, f.app, e0)
	mustAppend(t, f.app, e1)
	cp, err := f.app.CurrentCheckpoint(ctx)
	if err != nil || cp.Size != 2 || cp.Root != rootOf(t, e0, e1) {
		t.Fatalf("checkpoint after growth = %+v, %v", cp, err)
	}
	v, _ := note.NewVerifier(s.VerifierKey())
	if _, err := note.Open(cp.Note, note.VerifierList(v)); err != nil {
		t.Fatalf("checkpoint does not open: %v", err)
	}
	if len(f.cps.Events) != 2 {
		t.Fatalf("%d checkpoint_signed events, want 2 (sizes 0 and 2)", len(f.cps.Events))
	}
	var d events.CheckpointSigned
	last := f.cps.Events[1]
	if err := last.Decode(&d); err != nil || last.Type != events.CheckpointSignedType || last.Source != "audit" || d.Size != 2 || d.RootHash != cp.Root.String() {
		t.Fatalf("event %+v data %+v", last, d)
	}
	// A restart keeps the latest.
	a := f.open(t, s)
	if got, err := a.LatestCheckpoint(ctx); err != nil || got.Size != 2 {
		t.Fatalf("after restart latest = %+v, %v", got, err)
	}
}

func TestListEvents(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	for i := range 5 {
		org := "h1"
		if i%2 == 1 {
			org = "h2"
		}
		mustAppend(t, f.app, need(i, org))
	}
	got, more, err := f.app.ListEvents(ctx, domain.Query{OrgID: "h1", After: -1, Limit: 2})
	if err != nil || !more || len(got) != 2 || got[0].Index != 0 || got[1].Index != 2 || got[1].Event.Subject != "need_2" {
		t.Fatalf("page 1 = %+v, %v, %v", got, more, err)
	}
	got, more, err = f.app.ListEvents(ctx, domain.Query{OrgID: "h1", After: 2, Limit: 2})
	if err != nil || more || len(got) != 1 || got[0].Index != 4 {
		t.Fatalf("page 2 = %+v, %v, %v", got, more, err)
	}
	if got[0].Event.Time != t0.Add(4*time.Minute) {
		t.Fatalf("event time %v", got[0].Event.Time)
	}
}

func TestAnUndecodableTailDoesNotStopTheLog(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	for i := range 3 {
		mustAppend(t, f.app, need(i, "h1"))
	}
	f.log.Tamper(2, []byte("not json"))
	a := f.open(t, newSigner(t))
	if got := a.Size(); got != 3 {
		t.Fatalf("size after load %d, want 3", got)
	}
	if i, appended, err := a.Append(ctx, need(3, "h1")); err != nil || !appended || i != 3 {
		t.Fatalf("append after an altered tail = %d, %v, %v", i, appended, err)
	}
	v, err := a.VerifyLog(ctx)
	if err != nil || v.OK || v.FirstBadIndex == nil || *v.FirstBadIndex != 2 {
		t.Fatalf("verify %+v, %v; want first bad 2", v, err)
	}
}

// TestVerifyStreamsInBatches checks a log of many batches: intact, it
// verifies against a checkpoint signed mid-batch; tampered in a later
// batch, the record is named, with every earlier one checked.
func TestVerifyStreamsInBatches(t *testing.T) {
	ctx := context.Background()
	const size, batch, signedAt = 2500, 100, 1234
	tests := []struct {
		name    string
		tamper  func(f *fixture)
		wantBad int64
	}{
		{"intact", func(*fixture) {}, -1},
		{"edited record in a later batch", func(f *fixture) {
			data, _ := domain.Canonical(need(9999, "h9"))
			f.log.Tamper(2345, data)
		}, 2345},
		{"deleted record at a batch's start", func(f *fixture) { f.log.Delete(2200) }, 2200},
		{"stored hash altered in a later batch", func(f *fixture) {
			// The level-1 hash written with record 2401 (2400 and 2401 merged).
			f.log.SetHash(tlog.StoredHashIndex(1, 1200), tlog.RecordHash([]byte("forged")))
		}, 2401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.app.VerifyBatch = batch
			for i := range size {
				mustAppend(t, f.app, need(i, "h1"))
				if i+1 == signedAt {
					if _, err := f.app.SignCheckpoint(ctx); err != nil {
						t.Fatal(err)
					}
				}
			}
			tt.tamper(f)
			v, err := f.app.VerifyLog(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantBad < 0 {
				if !v.OK || v.Checked != size || v.FirstBadIndex != nil {
					t.Fatalf("verify = %+v, want ok over %d", v, size)
				}
				return
			}
			if v.OK || v.FirstBadIndex == nil || *v.FirstBadIndex != tt.wantBad || v.Checked != tt.wantBad || v.Detail == "" {
				t.Fatalf("verify = %+v (first bad %v); want not ok, first bad %d", v, deref(v.FirstBadIndex), tt.wantBad)
			}
		})
	}
}
