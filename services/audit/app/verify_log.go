package app

import (
	"context"
	"errors"
	"fmt"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/aidflow/aidflow/services/audit/domain"
)

// DefaultVerifyBatch is how many records VerifyLog reads at a time.
const DefaultVerifyBatch = 1000

// VerifyLog recomputes the tree from every stored record, in log order,
// compares it with the stored tree, and the result with the latest signed
// checkpoint.
//
// It streams: records are read by index (by _id, the one lookup the store
// serves from an index) VerifyBatch at a time with the hashes stored with
// them, and only the tree's frontier (domain.Checker) is kept between
// batches, so memory stays bounded whatever the log's size. Appends go on
// meanwhile; the verdict covers the records there were when it started,
// which are never rewritten by the service.
func (a *App) VerifyLog(ctx context.Context) (domain.Verification, error) {
	// The checkpoint first: one signed later may cover records appended
	// after the size read below.
	cp, err := a.LatestCheckpoint(ctx)
	hasCP := err == nil
	if err != nil && !errors.Is(err, domain.ErrNoCheckpoint) {
		return domain.Verification{}, err
	}
	size := a.Size()
	rootAt := int64(0)
	if hasCP && cp.Size <= size {
		rootAt = cp.Size
	}
	batch := int64(a.VerifyBatch)
	if batch <= 0 {
		batch = DefaultVerifyBatch
	}
	k := domain.NewChecker(size, rootAt)
	for !k.Done() {
		from := k.Next()
		to := min(from+batch, size)
		stored, err := a.storedBetween(ctx, tlog.StoredHashIndex(0, from), tlog.StoredHashIndex(0, to))
		if err != nil {
			return domain.Verification{}, err
		}
		lookup := func(s int64) (tlog.Hash, bool) { h, ok := stored[s]; return h, ok }
		for n := from; n < to; n++ {
			r, err := a.Log.Record(ctx, n)
			missing := errors.Is(err, domain.ErrRecordNotFound)
			if err != nil && !missing {
				return domain.Verification{}, fmt.Errorf("record %d: %w", n, err)
			}
			var leaf tlog.Hash
			if !missing {
				leaf = r.Hash()
			}
			if !k.Add(leaf, !missing, lookup) {
				break
			}
		}
	}
	v, root := k.Result(func(s int64) (tlog.Hash, bool) {
		hs, err := a.Log.ReadHashes(ctx, []int64{s})
		if err != nil {
			return tlog.Hash{}, false
		}
		return hs[0], true
	})
	if !hasCP {
		return v, nil
	}
	return domain.CheckAgainst(v, root, cp), nil
}

// storedBetween reads the stored hashes at storage indexes [from, to); a
// missing one is left out (the checker names its record).
func (a *App) storedBetween(ctx context.Context, from, to int64) (map[int64]tlog.Hash, error) {
	idx := make([]int64, 0, to-from)
	for s := from; s < to; s++ {
		idx = append(idx, s)
	}
	out := make(map[int64]tlog.Hash, len(idx))
	hs, err := a.Log.ReadHashes(ctx, idx)
	if err == nil {
		for i, s := range idx {
			out[s] = hs[i]
		}
		return out, nil
	}
	if !errors.Is(err, domain.ErrHashNotFound) {
		return nil, err
	}
	// Some are missing: read them one by one to know which.
	for _, s := range idx {
		hs, err := a.Log.ReadHashes(ctx, []int64{s})
		if errors.Is(err, domain.ErrHashNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out[s] = hs[0]
	}
	return out, nil
}
