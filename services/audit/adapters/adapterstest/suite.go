// Package adapterstest is the contract every audit store meets, run
// against the in-memory fake and MongoDB (embedded FerretDB) alike, so the
// fake cannot drift from the real store.
package adapterstest

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/audit/domain"
)

// Stores makes a fresh, empty pair of stores.
type Stores func(t *testing.T) (domain.LogStore, domain.CheckpointStore)

// RunSuite runs the store contract.
func RunSuite(t *testing.T, newStores Stores) {
	t.Run("hashes", func(t *testing.T) { testHashes(t, newStores) })
	t.Run("records", func(t *testing.T) { testRecords(t, newStores) })
	t.Run("event index", func(t *testing.T) { testEventIndex(t, newStores) })
	t.Run("checkpoints", func(t *testing.T) { testCheckpoints(t, newStores) })
}

func h(s string) tlog.Hash { return tlog.RecordHash([]byte(s)) }

func testHashes(t *testing.T, newStores Stores) {
	ctx := context.Background()
	log, _ := newStores(t)
	if err := log.PutHashes(ctx, 0, []tlog.Hash{h("a")}); err != nil {
		t.Fatal(err)
	}
	if err := log.PutHashes(ctx, 1, []tlog.Hash{h("b"), h("ab")}); err != nil {
		t.Fatal(err)
	}
	got, err := log.ReadHashes(ctx, []int64{2, 0})
	if err != nil || !slices.Equal(got, []tlog.Hash{h("ab"), h("a")}) {
		t.Fatalf("ReadHashes = %v, %v", got, err)
	}
	// Hashes left by an append that stopped before its record are replaced.
	if err := log.PutHashes(ctx, 1, []tlog.Hash{h("c"), h("ac")}); err != nil {
		t.Fatalf("PutHashes over existing: %v", err)
	}
	got, err = log.ReadHashes(ctx, []int64{0, 1, 2})
	if err != nil || !slices.Equal(got, []tlog.Hash{h("a"), h("c"), h("ac")}) {
		t.Fatalf("after replacing: %v, %v", got, err)
	}
	if _, err := log.ReadHashes(ctx, []int64{0, 7}); !errors.Is(err, domain.ErrHashNotFound) {
		t.Fatalf("missing hash: err = %v, want ErrHashNotFound", err)
	}
	seen := map[int64]tlog.Hash{}
	if err := log.ScanHashes(ctx, func(i int64, x tlog.Hash) error { seen[i] = x; return nil }); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 3 || seen[2] != h("ac") {
		t.Fatalf("ScanHashes saw %v", seen)
	}
}

func testRecords(t *testing.T, newStores Stores) {
	ctx := context.Background()
	log, _ := newStores(t)
	// Bytes are kept exactly, including what a JSON encoder would change.
	data := []byte(`{"id":"e1","type":"aidflow.demand.need_posted.v1","data":{"a":"<b>\u00e9"}}`)
	if err := log.PutRecord(ctx, domain.Record{Index: 0, Data: data}); err != nil {
		t.Fatal(err)
	}
	if err := log.PutRecord(ctx, domain.Record{Index: 1, Data: []byte(`{"id":"e2"}`)}); err != nil {
		t.Fatal(err)
	}
	if err := log.PutRecord(ctx, domain.Record{Index: 0, Data: []byte(`{}`)}); !errors.Is(err, domain.ErrRecordExists) {
		t.Fatalf("second record at 0: err = %v, want ErrRecordExists", err)
	}
	r, err := log.Record(ctx, 0)
	if err != nil || r.Index != 0 || string(r.Data) != string(data) {
		t.Fatalf("Record(0) = %q, %v", r.Data, err)
	}
	if _, err := log.Record(ctx, 2); !errors.Is(err, domain.ErrRecordNotFound) {
		t.Fatalf("Record(2): err = %v, want ErrRecordNotFound", err)
	}
	var idx []int64
	if err := log.ScanRecords(ctx, func(r domain.Record) error { idx = append(idx, r.Index); return nil }); err != nil {
		t.Fatal(err)
	}
	slices.Sort(idx)
	if !slices.Equal(idx, []int64{0, 1}) {
		t.Fatalf("ScanRecords saw %v", idx)
	}
}

func testEventIndex(t *testing.T, newStores Stores) {
	ctx := context.Background()
	log, _ := newStores(t)
	if _, ok, err := log.EventIndex(ctx, "e1"); err != nil || ok {
		t.Fatalf("unknown event: %v, %v", ok, err)
	}
	if err := log.PutEventIndex(ctx, "e1", 4); err != nil {
		t.Fatal(err)
	}
	if err := log.PutEventIndex(ctx, "e1", 4); err != nil {
		t.Fatalf("repeat: %v", err)
	}
	if i, ok, err := log.EventIndex(ctx, "e1"); err != nil || !ok || i != 4 {
		t.Fatalf("EventIndex = %d, %v, %v", i, ok, err)
	}
}

func testCheckpoints(t *testing.T, newStores Stores) {
	ctx := context.Background()
	_, cps := newStores(t)
	if _, err := cps.Latest(ctx); !errors.Is(err, domain.ErrNoCheckpoint) {
		t.Fatalf("empty store: err = %v, want ErrNoCheckpoint", err)
	}
	at := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	for _, size := range []int64{0, 3, 3, 9} {
		cp := domain.Checkpoint{Origin: domain.Origin, Size: size, Root: h(string(rune('a' + size))), Note: []byte("note\n"), Time: at.Add(time.Duration(size) * time.Second)}
		ev := events.MustNew("audit", events.CheckpointSigned{Size: size, RootHash: cp.Root.String()}, events.Meta{})
		if err := cps.Save(ctx, cp, ev); err != nil {
			t.Fatalf("Save(%d): %v", size, err)
		}
	}
	got, err := cps.Latest(ctx)
	if err != nil || got.Size != 9 || got.Root != h(string(rune('a'+9))) || got.Origin != domain.Origin || string(got.Note) != "note\n" || !got.Time.Equal(at.Add(9*time.Second)) {
		t.Fatalf("Latest = %+v, %v", got, err)
	}
	if got, err := cps.Get(ctx, 3); err != nil || got.Size != 3 || got.Root != h(string(rune('a'+3))) {
		t.Fatalf("Get(3) = %+v, %v", got, err)
	}
	if _, err := cps.Get(ctx, 4); !errors.Is(err, domain.ErrCheckpointNotFound) {
		t.Fatalf("Get(4): err = %v, want ErrCheckpointNotFound", err)
	}
	if sizes, err := cps.Sizes(ctx); err != nil || !slices.Equal(sizes, []int64{0, 3, 9}) {
		t.Fatalf("Sizes = %v, %v", sizes, err)
	}
}

// RunAnomalySuite runs the anomaly store contract.
func RunAnomalySuite(t *testing.T, newStore func(t *testing.T) domain.AnomalyStore) {
	ctx := context.Background()
	s := newStore(t)
	at := time.Date(2026, 3, 3, 8, 0, 0, 0, time.UTC)
	a := domain.Anomaly{ID: "accepted_not_dispatched:alloc_1", Rule: "accepted_not_dispatched", SubjectKind: "allocation", SubjectID: "alloc_1",
		OrgID: "org_m1", Item: "goggles", Region: "330100", Threshold: "dispatched within 48h", Observed: "accepted 50h ago", Since: at.Add(-50 * time.Hour), RaisedAt: at}
	ev := events.MustNew("audit", a.Event(), events.Meta{Subject: a.ID})
	if ok, err := s.Raise(ctx, a, ev); err != nil || !ok {
		t.Fatalf("Raise = %v, %v", ok, err)
	}
	again := a
	again.Observed = "accepted 60h ago"
	if ok, err := s.Raise(ctx, again, ev); err != nil || ok {
		t.Fatalf("second Raise of the same rule and subject = %v, %v; want false", ok, err)
	}
	b := a
	b.ID, b.Rule = "dispatched_no_receipt:alloc_1", "dispatched_no_receipt"
	if ok, err := s.Raise(ctx, b); err != nil || !ok {
		t.Fatalf("another rule, same subject = %v, %v", ok, err)
	}
	all, err := s.All(ctx)
	if err != nil || len(all) != 2 {
		t.Fatalf("All = %v, %v", all, err)
	}
	slices.SortFunc(all, func(x, y domain.Anomaly) int { return strings.Compare(x.ID, y.ID) })
	if all[0] != a {
		t.Fatalf("stored %+v, want %+v", all[0], a)
	}
}
