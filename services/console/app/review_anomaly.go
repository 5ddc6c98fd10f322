package app

import "context"

// ReviewAnomaly marks an anomaly reviewed with the regulator's note
// (POST /v1/audit/anomalies/{id}/review); the API validates the note.
func (a *App) ReviewAnomaly(ctx context.Context, token, id, note string) error {
	return a.API.ReviewAnomaly(ctx, token, id, note)
}
