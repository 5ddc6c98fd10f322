package app

import (
	"context"

	"github.com/aidflow/aidflow/services/console/domain"
)

// Anomalies lists raised anomalies, those not yet reviewed first.
func (a *App) Anomalies(ctx context.Context, token string) ([]domain.Anomaly, bool, error) {
	xs, more, err := a.API.Anomalies(ctx, token, a.MaxRead)
	if err != nil {
		return nil, false, err
	}
	open := make([]domain.Anomaly, 0, len(xs))
	var done []domain.Anomaly
	for _, x := range xs {
		if x.Reviewed {
			done = append(done, x)
		} else {
			open = append(open, x)
		}
	}
	return append(open, done...), more, nil
}
