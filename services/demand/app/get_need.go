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
