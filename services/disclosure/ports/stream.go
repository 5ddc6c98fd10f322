package ports

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/aidflow/aidflow/services/disclosure/app"
	"github.com/aidflow/aidflow/services/disclosure/domain"
)

// KeepAlive is how often an idle stream sends a comment, so proxies and
// browsers keep the connection open.
const KeepAlive = 15 * time.Second

// stream is GET /v1/public/stream: Server-Sent Events with event "summary"
// (a SummaryItem), "region" (a RegionShortage) or "flow" (a Flow) and data
// one JSON object. On connect it sends the current state: every summary
// row and region, and the PageFlows newest flows (oldest first); then each
// row that changes. The id is the model's generation. The feed is
// state-based, so a reconnection (with or without Last-Event-ID) gets the
// current state in full and misses nothing.
func (h handlers) stream(c echo.Context) error {
	w := c.Response()
	w.Header().Set(echo.HeaderContentType, "text/event-stream; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("X-Accel-Buffering", "no") // nginx-style proxies: do not buffer
	w.WriteHeader(http.StatusOK)
	ch, stop := h.app.Subscribe()
	defer stop()
	s := &sender{w: w, summary: map[string]domain.SummaryItem{}, regions: map[string]domain.RegionShortage{}, flows: map[string]domain.Flow{}}
	if _, err := fmt.Fprint(w, "retry: 2000\n\n"); err != nil {
		return nil
	}
	if err := s.send(h.app.Views(), true); err != nil {
		return nil
	}
	tick := time.NewTicker(KeepAlive)
	defer tick.Stop()
	ctx := c.Request().Context()
	for {
		select {
		case <-ctx.Done():
			return nil
		case _, open := <-ch:
			if !open {
				return nil // the service is stopping
			}
			if err := s.send(h.app.Views(), false); err != nil {
				return nil
			}
		case <-tick.C:
			if _, err := fmt.Fprint(w, ": keep-alive\n\n"); err != nil {
				return nil
			}
			w.Flush()
		}
	}
}

// sender remembers what one connection was sent, to send only changes.
type sender struct {
	w       *echo.Response
	summary map[string]domain.SummaryItem
	regions map[string]domain.RegionShortage
	flows   map[string]domain.Flow
}

func (s *sender) send(v app.Views, initial bool) error {
	for _, r := range v.Summary {
		if old, ok := s.summary[r.Item]; !ok || old != r {
			if err := s.event("summary", v.Gen, r); err != nil {
				return err
			}
			s.summary[r.Item] = r
		}
	}
	for _, r := range v.Regions {
		if old, ok := s.regions[r.Province]; !ok || old != r {
			if err := s.event("region", v.Gen, r); err != nil {
				return err
			}
			s.regions[r.Province] = r
		}
	}
	// Flows are newest first; send changes oldest first so a client can
	// put each on top. The first time, only the newest PageFlows.
	var changed []domain.Flow
	for i, f := range v.Flows {
		if old, ok := s.flows[f.ID]; ok && reflect.DeepEqual(old, f) {
			continue
		}
		s.flows[f.ID] = f
		if !initial || i < PageFlows {
			changed = append(changed, f)
		}
	}
	slices.Reverse(changed)
	for _, f := range changed {
		if err := s.event("flow", v.Gen, f); err != nil {
			return err
		}
	}
	s.w.Flush()
	return nil
}

func (s *sender) event(name string, id uint64, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(s.w, "event: %s\nid: %d\ndata: %s\n\n", name, id, data)
	return err
}
