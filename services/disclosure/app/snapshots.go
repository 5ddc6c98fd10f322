package app

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/aidflow/aidflow/services/disclosure/domain"
)

// TakeSnapshot files the current public views under the date of now
// (China Standard Time), replacing that date's earlier snapshot: taking
// it again the same day is harmless, and the last one of the day stands.
func (a *App) TakeSnapshot(ctx context.Context, now time.Time) (domain.SnapshotInfo, error) {
	v := a.Views()
	s := domain.Snapshot{Date: domain.SnapshotDate(now), TakenAt: now.UTC().Truncate(time.Second),
		Summary: v.Summary, Regions: v.Regions, Flows: v.Flows}
	a.snapMu.Lock()
	defer a.snapMu.Unlock()
	if err := a.Store.PutSnapshot(ctx, s); err != nil {
		return domain.SnapshotInfo{}, err
	}
	info := s.Info()
	i, found := slices.BinarySearchFunc(a.snapshots, info.Date, func(x domain.SnapshotInfo, d string) int { return strings.Compare(x.Date, d) })
	if found {
		a.snapshots[i] = info
	} else {
		a.snapshots = slices.Insert(a.snapshots, i, info)
	}
	return info, nil
}

// Snapshots lists every kept snapshot, oldest first.
func (a *App) Snapshots() []domain.SnapshotInfo {
	a.snapMu.Lock()
	defer a.snapMu.Unlock()
	return slices.Clone(a.snapshots)
}

// Snapshot is the snapshot of date (YYYY-MM-DD), or apperr NotFound.
func (a *App) Snapshot(ctx context.Context, date string) (domain.Snapshot, error) {
	return a.Store.GetSnapshot(ctx, date)
}

func (a *App) loadSnapshots(ctx context.Context) error {
	list, err := a.Store.ListSnapshots(ctx)
	if err != nil {
		return err
	}
	a.snapMu.Lock()
	a.snapshots = list
	a.snapMu.Unlock()
	return nil
}
