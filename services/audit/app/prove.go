package app

import (
	"context"
	"slices"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/aidflow/aidflow/services/audit/domain"
	"github.com/aidflow/aidflow/shared/apperr"
)

// Inclusion is a proof that a record is in the tree a checkpoint signed.
type Inclusion struct {
	Index int64
	// Record is the record's exact bytes: tlog.RecordHash(Record) is the
	// leaf the proof starts from.
	Record     []byte
	Proof      tlog.RecordProof
	Checkpoint domain.Checkpoint
}

// Consistency is a proof that the tree of size From is a prefix of the
// tree a checkpoint of size To signed. FromCheckpoint is the checkpoint
// of size From when one was signed.
type Consistency struct {
	From, To       int64
	Proof          tlog.TreeProof
	FromCheckpoint *domain.Checkpoint
	ToCheckpoint   domain.Checkpoint
}

// ProveInclusionOf proves the record of an event; see ProveInclusion.
func (a *App) ProveInclusionOf(ctx context.Context, eventID string, size int64) (Inclusion, error) {
	i, ok, err := a.Log.EventIndex(ctx, eventID)
	if err != nil {
		return Inclusion{}, err
	}
	if !ok {
		return Inclusion{}, domain.ErrEventNotRecorded
	}
	return a.ProveInclusion(ctx, i, size)
}

// ProveInclusion proves the record at index against the checkpoint of
// size (0: the current one, signed first if the log grew past the latest,
// so every record has a proof at once). A checkpoint must exist at that
// size: a proof is only worth what the signed root it ends in is worth.
func (a *App) ProveInclusion(ctx context.Context, index, size int64) (Inclusion, error) {
	cp, err := a.checkpointFor(ctx, size)
	if err != nil {
		return Inclusion{}, err
	}
	if index < 0 || index >= cp.Size {
		var v apperr.Validation
		v.Check(false, "index", "the record is not covered by that checkpoint")
		return Inclusion{}, v.Err()
	}
	r, err := a.Log.Record(ctx, index)
	if err != nil {
		return Inclusion{}, err
	}
	p, err := tlog.ProveRecord(cp.Size, index, a.hashReader(ctx))
	if err != nil {
		return Inclusion{}, err
	}
	return Inclusion{Index: index, Record: r.Data, Proof: p, Checkpoint: cp}, nil
}

// ProveConsistency proves that the tree of size from is a prefix of the
// tree signed at size to (0: the current checkpoint). from may be any size
// up to to, not only a checkpoint's: an auditor holding an export finds
// the first record it disagrees on by checking its own prefixes.
func (a *App) ProveConsistency(ctx context.Context, from, to int64) (Consistency, error) {
	cp, err := a.checkpointFor(ctx, to)
	if err != nil {
		return Consistency{}, err
	}
	var v apperr.Validation
	v.Check(from >= 0 && from <= cp.Size, "from", "must be between 0 and the size of the checkpoint proved against")
	if err := v.Err(); err != nil {
		return Consistency{}, err
	}
	out := Consistency{From: from, To: cp.Size, ToCheckpoint: cp, Proof: tlog.TreeProof{}}
	if from > 0 {
		if out.Proof, err = tlog.ProveTree(cp.Size, from, a.hashReader(ctx)); err != nil {
			return Consistency{}, err
		}
	}
	if from == cp.Size {
		out.FromCheckpoint = &cp
	} else if fc, err := a.Checkpoints.Get(ctx, from); err == nil {
		out.FromCheckpoint = &fc
	}
	return out, nil
}

// checkpointFor returns the checkpoint of size, or the current one for 0.
func (a *App) checkpointFor(ctx context.Context, size int64) (domain.Checkpoint, error) {
	if size <= 0 {
		return a.CurrentCheckpoint(ctx)
	}
	return a.Checkpoints.Get(ctx, size)
}

// ListCheckpoints returns up to limit checkpoints of sizes above after,
// ascending, and whether more follow.
func (a *App) ListCheckpoints(ctx context.Context, after int64, limit int) ([]domain.Checkpoint, bool, error) {
	a.cpMu.Lock()
	i, _ := slices.BinarySearch(a.cpSizes, after+1)
	sizes := slices.Clone(a.cpSizes[i:min(len(a.cpSizes), i+limit+1)])
	a.cpMu.Unlock()
	more := len(sizes) > limit
	if more {
		sizes = sizes[:limit]
	}
	out := make([]domain.Checkpoint, 0, len(sizes))
	for _, s := range sizes {
		cp, err := a.Checkpoints.Get(ctx, s)
		if err != nil {
			return nil, false, err
		}
		out = append(out, cp)
	}
	return out, more, nil
}
