package app

import (
	"context"

	"github.com/aidflow/aidflow/services/demand/domain"
)

// GetNeed returns a need its viewer may read; for anyone else it does not
// exist.
func (a *App) GetNeed(ctx context.Context, v domain.Viewer, id string) (domain.Need, error) {
	n, err := a.Needs.Get(ctx, id)
	if err != nil {
		return domain.Need{}, err
	}
	if !n.CanRead(v) {
		return domain.Need{}, domain.ErrNeedNotFound
	}
	return n, nil
}

// NeedTimeline returns a need's history, oldest first, and how many
// entries were dropped to keep the bound; for anyone who may not read the
// need it does not exist.
func (a *App) NeedTimeline(ctx context.Context, v domain.Viewer, id string) ([]domain.TimelineEntry, int64, error) {
	n, err := a.GetNeed(ctx, v, id)
	if err != nil {
		return nil, 0, err
	}
	entries, omitted := n.TimelineEntries()
	return entries, omitted, nil
}
