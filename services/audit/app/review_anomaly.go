package app

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/audit/domain"
	"github.com/aidflow/aidflow/shared/apperr"
)

// MaxNoteLength bounds a review's note, in characters.
const MaxNoteLength = 2000

// Review is a regulator's latest review of an anomaly.
type Review struct {
	Note string
	// By is the reviewing regulator's organization.
	By string
	At time.Time
	// Index is the review's record in the log.
	Index int64
}

// ReviewInput is a regulator marking an anomaly reviewed.
type ReviewInput struct {
	AnomalyID string
	Note      string
	// By is the reviewing regulator's organization.
	By string
	// Key is the request's key (httpx.RequestKey), as for CorrectInput.
	Key string
}

// ReviewAnomaly records that a regulator reviewed a raised anomaly, with a
// note: a new anomaly_reviewed record whose envelope names the regulator's
// organization, appended at once (like a correction, the log is its store;
// the anomaly is never edited) and then announced on the bus. Reviewing
// again records a new review, which the listing shows from then on.
func (a *App) ReviewAnomaly(ctx context.Context, in ReviewInput) (Listed, error) {
	var v apperr.Validation
	in.Note = strings.TrimSpace(in.Note)
	v.Check(in.Note != "", "note", "is required: say what you found and what was done")
	v.Check(utf8.RuneCountInString(in.Note) <= MaxNoteLength, "note", "must be at most 2000 characters")
	if err := v.Err(); err != nil {
		return Listed{}, err
	}
	a.anMu.Lock()
	var found *domain.Anomaly
	if a.raisedID[in.AnomalyID] {
		for i := range a.raised {
			if a.raised[i].ID == in.AnomalyID {
				x := a.raised[i]
				found = &x
				break
			}
		}
	}
	a.anMu.Unlock()
	if found == nil {
		return Listed{}, domain.ErrAnomalyNotFound
	}
	ev, err := events.New(Source, events.AnomalyReviewed{AnomalyID: found.ID, Rule: found.Rule, Note: in.Note, ReviewedBy: in.By},
		events.Meta{ID: KeyedID(in.Key), Subject: found.ID, OrgID: in.By, Item: found.Item, Time: a.Now()})
	if err != nil {
		return Listed{}, err
	}
	return a.record(ctx, ev, "announce anomaly review")
}

// observe takes a recorded event into the in-memory state built from the
// log: the anomaly rules' watch and the anomalies' reviews. Called with mu
// held, for every record, in any order.
func (a *App) observe(index int64, e events.Envelope) {
	a.watch.Observe(e)
	if e.Type != events.AnomalyReviewedType {
		return
	}
	var d events.AnomalyReviewed
	if e.Decode(&d) != nil {
		return
	}
	r := Review{Note: d.Note, By: d.ReviewedBy, At: e.Time, Index: index}
	a.anMu.Lock()
	defer a.anMu.Unlock()
	// Records arrive in any order at load: the latest review wins.
	if old, ok := a.reviews[d.AnomalyID]; !ok || old.Index < r.Index {
		a.reviews[d.AnomalyID] = r
	}
}
