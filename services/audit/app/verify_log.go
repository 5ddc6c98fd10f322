package app

import (
	"context"
	"errors"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/aidflow/aidflow/services/audit/domain"
)

// VerifyLog recomputes the tree from every stored record, compares it
// with the stored tree, and the result with the latest signed checkpoint.
//
// It reads the whole log (two scans) and holds two hashes per record in
// memory: a regulator's request, not a hot path. Appends go on meanwhile;
// the verdict covers the records there were when it started, which are
// never rewritten by the service.
func (a *App) VerifyLog(ctx context.Context) (domain.Verification, error) {
	size := a.Size()
	leaves := make([]tlog.Hash, size)
	haveLeaf := make([]bool, size)
	err := a.Log.ScanRecords(ctx, func(r domain.Record) error {
		if r.Index >= 0 && r.Index < size {
			leaves[r.Index], haveLeaf[r.Index] = r.Hash(), true
		}
		return nil
	})
	if err != nil {
		return domain.Verification{}, err
	}
	nStored := tlog.StoredHashIndex(0, size)
	stored := make([]tlog.Hash, nStored)
	haveStored := make([]bool, nStored)
	err = a.Log.ScanHashes(ctx, func(s int64, h tlog.Hash) error {
		if s >= 0 && s < nStored {
			stored[s], haveStored[s] = h, true
		}
		return nil
	})
	if err != nil {
		return domain.Verification{}, err
	}
	v, recomputed := domain.Verify(domain.LogContent{
		Size:   size,
		Leaf:   func(i int64) (tlog.Hash, bool) { return leaves[i], haveLeaf[i] },
		Stored: func(s int64) (tlog.Hash, bool) { return stored[s], haveStored[s] },
	})
	cp, err := a.LatestCheckpoint(ctx)
	if errors.Is(err, domain.ErrNoCheckpoint) {
		return v, nil
	}
	if err != nil {
		return domain.Verification{}, err
	}
	return domain.CheckAgainst(v, recomputed, cp), nil
}
