package auditor_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/audit/adapters/memory"
	"github.com/aidflow/aidflow/services/audit/app"
	"github.com/aidflow/aidflow/services/audit/auditor"
	"github.com/aidflow/aidflow/services/audit/domain"
)

var t0 = time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)

// logFixture is a real log (app over the memory store) of 20 events with
// checkpoints signed at sizes 5, 12 and 20.
type logFixture struct {
	store *memory.Log
	app   *app.App
	notes [][]byte
}

func newLog(t *testing.T) *logFixture {
	t.Helper()
	ctx := context.Background()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := domain.NewSigner(domain.Origin, priv)
	if err != nil {
		t.Fatal(err)
	}
	f := &logFixture{store: memory.NewLog()}
	f.app = app.New(f.store, memory.NewCheckpoints(), s)
	if err := f.app.Load(ctx); err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		id := fmt.Sprintf("need_%d", i)
		// <b>, é and &: the export must give back the recorded bytes exactly.
		e := events.MustNew("demand", events.NeedPosted{NeedID: id, HospitalID: "org_h1", Item: "goggles", Quantity: int64(100 + i), Urgency: "high", NeededBy: "2026-03-08", Region: "420100", AcceptedStandards: []string{"GB <b>é</b> &"}},
			events.Meta{Subject: id, OrgID: "org_h1", Item: "goggles", Time: t0.Add(time.Duration(i) * time.Minute)})
		if _, _, err := f.app.Append(ctx, e); err != nil {
			t.Fatal(err)
		}
		if n := i + 1; n == 5 || n == 12 || n == 20 {
			cp, err := f.app.SignCheckpoint(ctx)
			if err != nil {
				t.Fatal(err)
			}
			f.notes = append(f.notes, cp.Note)
		}
	}
	return f
}

func (f *logFixture) key() string { return f.app.Signer.VerifierKey() }

// export is what GET /v1/audit/events serves, page after page.
func (f *logFixture) export(t *testing.T) []auditor.Line {
	t.Helper()
	got, _, err := f.app.ListEvents(context.Background(), domain.Query{After: -1, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]auditor.Line, len(got))
	for i, l := range got {
		out[i] = auditor.Line{Index: l.Index, Envelope: l.Event}
	}
	return out
}

// prover answers from the service's own log, as the HTTP route does.
type prover struct{ a *app.App }

func (p prover) Consistency(ctx context.Context, from, to int64) (tlog.TreeProof, error) {
	c, err := p.a.ProveConsistency(ctx, from, to)
	return c.Proof, err
}

// roundTrip writes and reads the export as a file would hold it.
func roundTrip(t *testing.T, lines []auditor.Line) []auditor.Record {
	t.Helper()
	var buf bytes.Buffer
	if err := auditor.WriteExport(&buf, lines); err != nil {
		t.Fatal(err)
	}
	recs, err := auditor.ReadExport(&buf)
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func renumber(lines []auditor.Line) []auditor.Line {
	for i := range lines {
		lines[i].Index = int64(i)
	}
	return lines
}

func TestVerifyExportNamesTheFirstBadIndex(t *testing.T) {
	ctx := context.Background()
	edit := func(l []auditor.Line, i int) []auditor.Line {
		l[i].Data = []byte(strings.Replace(string(l[i].Data), fmt.Sprintf(`"quantity":%d`, 100+i), `"quantity":1`, 1))
		return l
	}
	tests := []struct {
		name   string
		tamper func([]auditor.Line) []auditor.Line
		// wantBad is the first bad index with a prover; -1 means intact.
		wantBad int64
		// withoutProver is what is named without one, and whether exactly.
		withoutProver int64
		exact         bool
	}{
		{"untouched", func(l []auditor.Line) []auditor.Line { return l }, -1, -1, true},
		{"edited record", func(l []auditor.Line) []auditor.Line { return edit(l, 7) }, 7, 5, false},
		{"edited first record", func(l []auditor.Line) []auditor.Line { return edit(l, 0) }, 0, 0, false},
		{"edited last signed record", func(l []auditor.Line) []auditor.Line { return edit(l, 19) }, 19, 12, false},
		{"record deleted", func(l []auditor.Line) []auditor.Line { return slices.Delete(l, 9, 10) }, 9, 9, true},
		{"record deleted and the rest renumbered", func(l []auditor.Line) []auditor.Line { return renumber(slices.Delete(l, 9, 10)) }, 9, 5, false},
		{"two records reordered", func(l []auditor.Line) []auditor.Line { l[3], l[4] = l[4], l[3]; return l }, 3, 3, true},
		{"two records reordered and renumbered", func(l []auditor.Line) []auditor.Line { l[3], l[4] = l[4], l[3]; return renumber(l) }, 3, 0, false},
		{"record repeated", func(l []auditor.Line) []auditor.Line { return slices.Insert(l, 3, l[2]) }, 3, 3, true},
		{"truncated", func(l []auditor.Line) []auditor.Line { return l[:15] }, 15, 15, true},
		{"truncated at a checkpoint", func(l []auditor.Line) []auditor.Line { return l[:12] }, 12, 12, true},
		{"emptied", func(l []auditor.Line) []auditor.Line { return nil }, 0, 0, true},
	}
	f := newLog(t)
	cps, err := auditor.OpenCheckpoints(f.notes, f.key())
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs := roundTrip(t, tt.tamper(f.export(t)))
			for _, p := range []auditor.Prover{prover{f.app}, nil} {
				want, exact := tt.wantBad, true
				if p == nil {
					want, exact = tt.withoutProver, tt.exact
				}
				res, err := auditor.VerifyExport(ctx, recs, cps, p)
				if err != nil {
					t.Fatal(err)
				}
				if want < 0 {
					if !res.OK || res.Signed != 20 || res.Checkpoints != 3 || res.FirstBadIndex != nil {
						t.Fatalf("intact export: %+v", res)
					}
					continue
				}
				if res.OK || res.FirstBadIndex == nil || *res.FirstBadIndex != want || res.Exact != exact || res.Detail == "" {
					t.Fatalf("prover %v: %+v (first bad %v); want first bad %d, exact %v", p != nil, res, deref(res.FirstBadIndex), want, exact)
				}
			}
		})
	}
}

// Records altered in the service's store show in the export it serves,
// and the export no longer matches what was signed.
func TestVerifyExportOfATamperedStore(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		tamper  func(f *logFixture)
		wantBad int64
	}{
		{"edited in the store", func(f *logFixture) {
			r, _ := f.store.Record(ctx, 10)
			f.store.Tamper(10, []byte(strings.Replace(string(r.Data), `"quantity":110`, `"quantity":11`, 1)))
		}, 10},
		{"deleted from the store", func(f *logFixture) { f.store.Delete(4) }, 4},
		{"reordered in the store", func(f *logFixture) {
			a, _ := f.store.Record(ctx, 13)
			b, _ := f.store.Record(ctx, 16)
			f.store.Tamper(13, b.Data)
			f.store.Tamper(16, a.Data)
		}, 13},
		{"truncated in the store", func(f *logFixture) {
			for i := int64(17); i < 20; i++ {
				f.store.Delete(i)
			}
		}, 17},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newLog(t)
			cps, err := auditor.OpenCheckpoints(f.notes, f.key())
			if err != nil {
				t.Fatal(err)
			}
			honest := prover{f.app} // proofs come from the stored tree hashes, untouched
			tt.tamper(f)
			res, err := auditor.VerifyExport(ctx, roundTrip(t, f.export(t)), cps, honest)
			if err != nil {
				t.Fatal(err)
			}
			if res.OK || res.FirstBadIndex == nil || *res.FirstBadIndex != tt.wantBad {
				t.Fatalf("%+v (first bad %v); want %d", res, deref(res.FirstBadIndex), tt.wantBad)
			}
		})
	}
}

func TestOpenCheckpointsTrustsOnlyTheKey(t *testing.T) {
	f := newLog(t)
	other := newLog(t)
	if _, err := auditor.OpenCheckpoints(f.notes, other.key()); err == nil {
		t.Fatal("checkpoints opened with another log's key")
	}
	forged := bytes.Replace(f.notes[1], []byte("\n12\n"), []byte("\n13\n"), 1)
	if _, err := auditor.OpenCheckpoints([][]byte{f.notes[0], forged}, f.key()); err == nil {
		t.Fatal("an altered checkpoint opened")
	}
	if _, err := auditor.OpenCheckpoints(nil, f.key()); err == nil {
		t.Fatal("no checkpoints at all passed")
	}
	cps, err := auditor.OpenCheckpoints(append(f.notes, f.notes[2]), f.key())
	if err != nil || len(cps) != 3 {
		t.Fatalf("a repeated checkpoint: %d, %v", len(cps), err)
	}
}

func TestCheckProofs(t *testing.T) {
	ctx := context.Background()
	f := newLog(t)
	cpJSON := func(cp domain.Checkpoint) auditor.CheckpointJSON {
		return auditor.CheckpointJSON{Size: cp.Size, RootHash: cp.Root.String(), Note: string(cp.Note)}
	}
	strs := func(hs []tlog.Hash) []string {
		out := make([]string, len(hs))
		for i, h := range hs {
			out[i] = h.String()
		}
		return out
	}
	inc, err := f.app.ProveInclusion(ctx, 8, 12)
	if err != nil {
		t.Fatal(err)
	}
	p := auditor.InclusionProof{Index: inc.Index, Record: inc.Record, TreeSize: 12, Proof: strs(inc.Proof), Checkpoint: cpJSON(inc.Checkpoint)}
	if _, err := auditor.CheckInclusion(p, f.key()); err != nil {
		t.Fatalf("honest inclusion proof: %v", err)
	}
	edited := p
	edited.Record = bytes.Replace(p.Record, []byte(`"quantity":108`), []byte(`"quantity":8`), 1)
	moved := p
	moved.Index = 9
	for name, bad := range map[string]auditor.InclusionProof{"edited record": edited, "another index": moved} {
		if _, err := auditor.CheckInclusion(bad, f.key()); err == nil {
			t.Errorf("%s: the proof checked", name)
		}
	}
	if _, err := auditor.CheckInclusion(p, newLog(t).key()); err == nil {
		t.Error("a proof checked under another key")
	}

	con, err := f.app.ProveConsistency(ctx, 5, 20)
	if err != nil {
		t.Fatal(err)
	}
	fc := cpJSON(*con.FromCheckpoint)
	cp := auditor.ConsistencyProof{From: 5, To: 20, Proof: strs(con.Proof), FromCheckpoint: &fc, ToCheckpoint: cpJSON(con.ToCheckpoint)}
	if _, _, err := auditor.CheckConsistency(cp, nil, f.key()); err != nil {
		t.Fatalf("honest consistency proof: %v", err)
	}
	// A checkpoint of another log of the same size is not a prefix.
	forged := newLog(t)
	other, _ := forged.app.ProveConsistency(ctx, 5, 20)
	ofc := cpJSON(*other.FromCheckpoint)
	if _, _, err := auditor.CheckConsistency(cp, &ofc, f.key()); err == nil {
		t.Error("a proof checked from another log's checkpoint")
	}
	short := cp
	short.Proof = short.Proof[1:]
	if _, _, err := auditor.CheckConsistency(short, nil, f.key()); err == nil {
		t.Error("a shortened proof checked")
	}
}

func deref(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}
