package app_test

import (
	"context"
	"slices"
	"testing"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/audit/domain"
	"github.com/aidflow/aidflow/shared/apperr"
)

func TestProofsCheckAgainstSignedCheckpoints(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	evs := make([]events.Envelope, 11)
	for i := range evs {
		evs[i] = need(i, "h1")
	}
	for i := range 5 {
		mustAppend(t, f.app, evs[i])
	}
	cp5, err := f.app.SignCheckpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i := 5; i < 11; i++ {
		mustAppend(t, f.app, evs[i])
	}
	// The inclusion proof of a record appended after the latest checkpoint
	// signs a new one covering it.
	p, err := f.app.ProveInclusionOf(ctx, evs[9].ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	if p.Index != 9 || p.Checkpoint.Size != 11 {
		t.Fatalf("proof of record 9 against size %d, index %d; want 9 against 11", p.Checkpoint.Size, p.Index)
	}
	opened, err := domain.OpenCheckpoint(p.Checkpoint.Note, f.app.Signer.VerifierKey())
	if err != nil {
		t.Fatal(err)
	}
	if err := tlog.CheckRecord(p.Proof, opened.Size, opened.Root, p.Index, tlog.RecordHash(p.Record)); err != nil {
		t.Fatalf("inclusion proof does not check: %v", err)
	}
	if err := tlog.CheckRecord(p.Proof, opened.Size, opened.Root, p.Index, tlog.RecordHash(append(p.Record, ' '))); err == nil {
		t.Fatal("an altered record checked")
	}
	// Against the earlier checkpoint, by index.
	p, err = f.app.ProveInclusion(ctx, 2, 5)
	if err != nil || tlog.CheckRecord(p.Proof, 5, cp5.Root, 2, tlog.RecordHash(p.Record)) != nil {
		t.Fatalf("record 2 against checkpoint 5: %v", err)
	}

	for _, from := range []int64{1, 3, 5, 10, 11} {
		c, err := f.app.ProveConsistency(ctx, from, 0)
		if err != nil {
			t.Fatalf("consistency %d→current: %v", from, err)
		}
		old := rootOf(t, evs[:from]...)
		if c.To != 11 || tlog.CheckTree(c.Proof, c.To, c.ToCheckpoint.Root, from, old) != nil {
			t.Fatalf("consistency %d→%d does not check", from, c.To)
		}
		if (c.FromCheckpoint != nil) != (from == 5 || from == 11) {
			t.Fatalf("from %d: from checkpoint %v", from, c.FromCheckpoint)
		}
		if from < 11 && tlog.CheckTree(c.Proof, c.To, c.ToCheckpoint.Root, from, rootOf(t, need(99, "h1"))) == nil {
			t.Fatalf("consistency %d→11 checked for another tree", from)
		}
	}

	tests := []struct {
		name string
		err  error
		kind apperr.Code
	}{
		{"unknown event", func() error { _, err := f.app.ProveInclusionOf(ctx, "evt_nobody", 0); return err }(), apperr.NotFound},
		{"no checkpoint of that size", func() error { _, err := f.app.ProveInclusion(ctx, 1, 4); return err }(), apperr.NotFound},
		{"index past the checkpoint", func() error { _, err := f.app.ProveInclusion(ctx, 7, 5); return err }(), apperr.Unprocessable},
		{"from past to", func() error { _, err := f.app.ProveConsistency(ctx, 6, 5); return err }(), apperr.Unprocessable},
		{"to not a checkpoint", func() error { _, err := f.app.ProveConsistency(ctx, 1, 7); return err }(), apperr.NotFound},
	}
	for _, tt := range tests {
		if apperr.CodeOf(tt.err) != tt.kind {
			t.Errorf("%s: err = %v, want kind %v", tt.name, tt.err, tt.kind)
		}
	}
}

func TestListCheckpointsPages(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	var want []int64
	for i := range 4 {
		if _, err := f.app.SignCheckpoint(ctx); err != nil {
			t.Fatal(err)
		}
		want = append(want, int64(i))
		mustAppend(t, f.app, need(i, "h1"))
	}
	// A restart reloads the history.
	a := f.open(t, f.app.Signer)
	var got []int64
	after := int64(-1)
	for range 10 {
		cps, more, err := a.ListCheckpoints(ctx, after, 3)
		if err != nil {
			t.Fatal(err)
		}
		for _, cp := range cps {
			got = append(got, cp.Size)
			after = cp.Size
		}
		if !more {
			break
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("listed %v, want %v", got, want)
	}
}
