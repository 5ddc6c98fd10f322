package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/audit/domain"
)

func (a *App) loadAnomalies(ctx context.Context) error {
	if a.Anomalies == nil {
		return nil
	}
	all, err := a.Anomalies.All(ctx)
	if err != nil {
		return fmt.Errorf("load anomalies: %w", err)
	}
	slices.SortFunc(all, func(x, y domain.Anomaly) int {
		if c := x.RaisedAt.Compare(y.RaisedAt); c != 0 {
			return c
		}
		return strings.Compare(x.ID, y.ID)
	})
	a.anMu.Lock()
	defer a.anMu.Unlock()
	a.raised = all
	a.raisedID = make(map[string]bool, len(all))
	for _, x := range all {
		a.raisedID[x.ID] = true
	}
	return nil
}

// RaiseAnomalies runs every anomaly rule over what the log holds now and
// raises what is new: one anomaly per rule and subject, ever, each saved
// with its anomaly_raised event. It returns those raised by this run.
func (a *App) RaiseAnomalies(ctx context.Context) ([]domain.Anomaly, error) {
	if a.Anomalies == nil {
		return nil, errors.New("raise anomalies: no anomaly store")
	}
	now := a.Now()
	a.mu.Lock()
	found := a.watch.Evaluate(now, a.Thresholds)
	a.mu.Unlock()
	var out []domain.Anomaly
	for _, x := range found {
		a.anMu.Lock()
		done := a.raisedID[x.ID]
		a.anMu.Unlock()
		if done {
			continue
		}
		ev, err := events.New(Source, x.Event(), events.Meta{Subject: x.ID, OrgID: x.OrgID, Item: x.Item, Time: now})
		if err != nil {
			return out, err
		}
		fresh, err := a.Anomalies.Raise(ctx, x, ev)
		if err != nil {
			return out, err
		}
		a.anMu.Lock()
		if !a.raisedID[x.ID] {
			a.raisedID[x.ID] = true
			a.raised = append(a.raised, x)
		}
		a.anMu.Unlock()
		if fresh {
			out = append(out, x)
		}
	}
	return out, nil
}

// AnomalyQuery selects raised anomalies; empty fields select all.
type AnomalyQuery struct {
	Rule, OrgID, Item string
	// After is the position of the last anomaly returned, -1 to start.
	After int
	Limit int
}

// Raised is an anomaly with its position in the order raised (the cursor).
type Raised struct {
	Position int
	domain.Anomaly
	// Review is the latest review, if any.
	Review *Review
}

// ListAnomalies returns raised anomalies in the order they were raised,
// and whether more follow.
func (a *App) ListAnomalies(q AnomalyQuery) ([]Raised, bool) {
	a.anMu.Lock()
	defer a.anMu.Unlock()
	var out []Raised
	for i := max(q.After+1, 0); i < len(a.raised); i++ {
		x := a.raised[i]
		if (q.Rule != "" && x.Rule != q.Rule) || (q.OrgID != "" && x.OrgID != q.OrgID) || (q.Item != "" && x.Item != q.Item) {
			continue
		}
		if len(out) == q.Limit {
			return out, true
		}
		r := Raised{Position: i, Anomaly: x}
		if rv, ok := a.reviews[x.ID]; ok {
			r.Review = &rv
		}
		out = append(out, r)
	}
	return out, false
}
