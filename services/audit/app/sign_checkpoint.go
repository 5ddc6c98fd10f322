package app

import (
	"context"
	"strconv"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/audit/domain"
)

// SignCheckpoint signs a checkpoint of the log as it is now, unless the
// latest one already covers every record; either way it returns the
// latest. A checkpoint is saved with its checkpoint_signed event in one
// write, so followers hear of every checkpoint.
//
// The rule "sign when the log grew" gives an empty log one checkpoint (of
// size 0), an idle log no new ones, and never two of the same size, so
// checkpoints are keyed by size.
func (a *App) SignCheckpoint(ctx context.Context) (domain.Checkpoint, error) {
	a.cpMu.Lock()
	defer a.cpMu.Unlock()
	size, root, err := a.treeHead(ctx)
	if err != nil {
		return domain.Checkpoint{}, err
	}
	if a.latest != nil && a.latest.Size >= size {
		return *a.latest, nil
	}
	cp, err := a.Signer.Sign(size, root, a.Now())
	if err != nil {
		return domain.Checkpoint{}, err
	}
	ev, err := events.New(Source, events.CheckpointSigned{Size: size, RootHash: root.String()},
		events.Meta{Subject: "checkpoint-" + strconv.FormatInt(size, 10), Time: cp.Time})
	if err != nil {
		return domain.Checkpoint{}, err
	}
	if err := a.Checkpoints.Save(ctx, cp, ev); err != nil {
		return domain.Checkpoint{}, err
	}
	a.latest = &cp
	if n := len(a.cpSizes); n == 0 || a.cpSizes[n-1] < cp.Size {
		a.cpSizes = append(a.cpSizes, cp.Size)
	}
	return cp, nil
}

// LatestCheckpoint returns the latest signed checkpoint, or
// domain.ErrNoCheckpoint.
func (a *App) LatestCheckpoint(context.Context) (domain.Checkpoint, error) {
	a.cpMu.Lock()
	defer a.cpMu.Unlock()
	if a.latest == nil {
		return domain.Checkpoint{}, domain.ErrNoCheckpoint
	}
	return *a.latest, nil
}

// CurrentCheckpoint is what GET /v1/public/checkpoint answers: the latest
// checkpoint, signed first if the log has grown past it, so the public
// always sees a checkpoint covering every record recorded so far.
func (a *App) CurrentCheckpoint(ctx context.Context) (domain.Checkpoint, error) {
	return a.SignCheckpoint(ctx)
}
