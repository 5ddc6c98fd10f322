package app

import (
	"context"
	"errors"
	"strings"

	"github.com/aidflow/aidflow/services/console/domain"
)

// AuditState is the audit log's state: the latest checkpoint and, when
// asked, a verification run now and an event's inclusion proof.
type AuditState struct {
	Checkpoint    domain.Checkpoint
	HasCheckpoint bool
	Verification  *domain.Verification
	Proof         *domain.InclusionProof
	// ProofError is the API's refusal of the proof asked (an unknown
	// event), shown beside the form.
	ProofError error
}

// AuditState reads the latest checkpoint, runs GET /v1/audit/verify when
// verify is set, and fetches eventID's inclusion proof when given.
func (a *App) AuditState(ctx context.Context, token string, verify bool, eventID string) (AuditState, error) {
	var s AuditState
	var err error
	if s.Checkpoint, s.HasCheckpoint, err = a.API.Checkpoint(ctx); err != nil {
		return s, err
	}
	if verify {
		v, err := a.API.Verify(ctx, token)
		if err != nil {
			return s, err
		}
		s.Verification = &v
	}
	if eventID = strings.TrimSpace(eventID); eventID != "" {
		p, err := a.API.InclusionProof(ctx, token, eventID)
		switch {
		case err == nil:
			s.Proof = &p
		case isRefusal(err):
			s.ProofError = err
		default:
			return s, err
		}
	}
	return s, nil
}

// isRefusal reports whether err is the API refusing the request itself
// (4xx but an expired sign-in), which a page shows next to its form.
func isRefusal(err error) bool {
	var ae *domain.APIError
	return errors.As(err, &ae) && ae.Status >= 400 && ae.Status < 500 && ae.Status != 401
}
