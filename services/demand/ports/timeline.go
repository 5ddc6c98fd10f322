package ports

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// TimelineEntryJSON is one step of a need's history.
type TimelineEntryJSON struct {
	At           time.Time `json:"at"`
	Type         string    `json:"type"`
	Status       string    `json:"status"`
	AllocationID string    `json:"allocation_id,omitempty"`
	Quantity     int64     `json:"quantity,omitempty"`
	Shipped      int64     `json:"shipped_quantity,omitempty"`
	Received     int64     `json:"received_quantity,omitempty"`
	Damaged      int64     `json:"damaged_quantity,omitempty"`
}

// TimelineJSON is the answer of GET /v1/needs/{id}/timeline: a list in
// the API's shape, always one page (the timeline is bounded).
type TimelineJSON struct {
	Items   []TimelineEntryJSON `json:"items"`
	Next    string              `json:"next"`
	Omitted int64               `json:"omitted"`
}

func (h handlers) needTimeline(c echo.Context) error {
	entries, omitted, err := h.app.NeedTimeline(c.Request().Context(), viewer(c), c.Param("id"))
	if err != nil {
		return err
	}
	out := TimelineJSON{Items: make([]TimelineEntryJSON, 0, len(entries)), Omitted: omitted}
	for _, e := range entries {
		out.Items = append(out.Items, TimelineEntryJSON(e))
	}
	return c.JSON(http.StatusOK, out)
}
