package app

import (
	"context"
	"errors"
	"net/http"

	"github.com/aidflow/aidflow/services/console/domain"
)

// Story is an allocation's whole story: the need it serves, its source,
// the decision and its reason, and every step after (acceptance,
// dispatch, receipt) from the need's timeline.
type Story struct {
	Allocation domain.Allocation
	Need       domain.Need
	// Steps are the need's timeline entries about this allocation.
	Steps []domain.TimelineEntry
	// Source is the capacity report it draws on, when the source is
	// capacity and the report is still current.
	Source *domain.Capacity
	// NeedMissing says the need could not be found (the story shows the
	// rest); the page says so in its own words.
	NeedMissing bool
}

// MaxTimeline bounds the timeline entries read for one story.
const MaxTimeline = 1000

// Story reads GET /v1/allocations/{id}, the need, its timeline and, for
// capacity, the current report.
func (a *App) Story(ctx context.Context, token, id string) (Story, error) {
	al, err := a.API.Allocation(ctx, token, id)
	if err != nil {
		return Story{}, err
	}
	s := Story{Allocation: al}
	if s.Need, err = a.API.Need(ctx, token, al.NeedID); err != nil {
		if !notFound(err) {
			return Story{}, err
		}
		s.NeedMissing = true
	}
	steps, _, err := a.API.Timeline(ctx, token, al.NeedID, MaxTimeline)
	if err != nil && !notFound(err) {
		return Story{}, err
	}
	for _, e := range steps {
		if e.AllocationID == al.ID {
			s.Steps = append(s.Steps, e)
		}
	}
	if al.SourceKind == "capacity" {
		caps, _, err := a.API.Capacity(ctx, token, a.MaxRead)
		if err != nil {
			return Story{}, err
		}
		for i := range caps {
			if caps[i].ID == al.SourceID {
				s.Source = &caps[i]
			}
		}
	}
	return s, nil
}

func notFound(err error) bool {
	var ae *domain.APIError
	return errors.As(err, &ae) && ae.Status == http.StatusNotFound
}
