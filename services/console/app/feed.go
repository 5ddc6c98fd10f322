package app

import (
	"context"
	"time"

	"github.com/aidflow/aidflow/services/console/adapters/api"
	"github.com/aidflow/aidflow/services/console/domain"
)

// FeedSize is how many events a feed page shows.
const FeedSize = 50

// DefaultFeedWindow is how far back the feed starts when the regulator
// gives no start: the audit log lists in log order, oldest first, so a
// live feed starts from a recent moment rather than the log's beginning.
const DefaultFeedWindow = time.Hour

// FeedFilter is the feed's filters, as the audit service takes them.
type FeedFilter struct {
	Item, Region, OrgID, Type string
	// Since is the start (RFC 3339); empty means DefaultFeedWindow ago.
	Since  string
	Cursor string
	// After, when not negative, keeps only events after this log index:
	// the live script asks for what came after the last row it shows.
	After int64
}

// Feed is one page of the event feed, in log order.
type Feed struct {
	Events []domain.Event
	Next   string
	Since  string
}

// Feed is one page of GET /v1/audit/events with the filters.
func (a *App) Feed(ctx context.Context, token string, f FeedFilter) (Feed, error) {
	if f.Since == "" {
		f.Since = a.Now().Add(-DefaultFeedWindow).UTC().Format(time.RFC3339)
	}
	limit := FeedSize
	if f.After >= 0 {
		limit = api.PageSize
	}
	p, err := a.API.Events(ctx, token, api.EventFilter{Type: f.Type, OrgID: f.OrgID, Item: f.Item, Region: f.Region, Since: f.Since, Cursor: f.Cursor, Limit: limit})
	if err != nil {
		return Feed{}, err
	}
	evs := p.Items
	if f.After >= 0 {
		evs = evs[:0:0]
		for _, e := range p.Items {
			if e.Index > f.After {
				evs = append(evs, e)
			}
		}
	}
	return Feed{Events: evs, Next: p.Next, Since: f.Since}, nil
}
