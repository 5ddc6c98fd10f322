package service_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/demand/ports"
	"github.com/aidflow/aidflow/services/demand/service"
	"github.com/aidflow/aidflow/shared/auth"
	"github.com/aidflow/aidflow/shared/daily"
)

type dailyList struct {
	Items []ports.DailyJSON `json:"items"`
	Next  string            `json:"next"`
}

func (h *harness) daily(token, query string) dailyList {
	h.t.Helper()
	r := h.do("GET", "/v1/needs/daily"+query, token, "")
	if r.status != http.StatusOK {
		h.t.Fatalf("GET /v1/needs/daily%s: %d %s", query, r.status, r.body)
	}
	var l dailyList
	if err := json.Unmarshal(r.body, &l); err != nil {
		h.t.Fatalf("not a list of rows: %v: %s", err, r.body)
	}
	return l
}

// TestDailyNeedsOverHTTP: needs posted, allocated, delivered and
// cancelled through the service show as today's open demand, nationwide
// and per province, read back the same after a restart (the figures are
// stored in each need's document); /v1/needs/daily is not read as a need
// id.
func TestDailyNeedsOverHTTP(t *testing.T) {
	// The service's clock stands still, two days back, so every figure
	// below is filed under that one day (even when the test runs across
	// midnight in China), and rows dated today would show the clock unused.
	now := time.Now().Add(-48 * time.Hour)
	h := start(t, func(c *service.Config) { c.Clock = func() time.Time { return now } })
	today := daily.Day(now)
	reg := h.org(auth.Regulator, "110000")
	wuhan := h.org(auth.Hospital, "420100")
	hangzhou := h.org(auth.Hospital, "330100")
	a := h.post(wuhan.Token, "n95-respirator", 100)
	h.post(hangzhou.Token, "n95-respirator", 50)
	gone := h.post(hangzhou.Token, "goggles", 5)
	if r := h.do("POST", "/v1/needs/"+gone.ID+"/cancel", hangzhou.Token, ""); r.status != http.StatusOK {
		t.Fatalf("cancel: %d %s", r.status, r.body)
	}
	h.allocation(events.AllocationProposedType, a, "alloc_1", 1, 60, "proposed", 0, 0, 0)
	h.allocation(events.AllocationReceivedType, a, "alloc_1", 2, 60, "delivered", 60, 58, 2)
	h.eventually(a.ID, wuhan.Token, func(n ports.NeedJSON) bool { return n.DeliveredQuantity == 58 }, "delivered")

	row := func(item, province string, open, stale int, qty, unalloc, delivered int64, posted int) ports.DailyJSON {
		return ports.DailyJSON{Key: daily.Key{Date: today, Item: item, Province: province}, OpenNeeds: open, Stale: stale,
			Quantity: qty, Unallocated: unalloc, Delivered: delivered, Posted: posted}
	}
	want := []ports.DailyJSON{
		row("goggles", "", 0, 0, 0, 0, 0, 1), row("goggles", "330000", 0, 0, 0, 0, 0, 1),
		// 2 of 60 arrived damaged: 58 allocated, 42 short.
		row("n95-respirator", "", 2, 0, 150, 92, 58, 2), row("n95-respirator", "330000", 1, 0, 50, 50, 0, 1),
		row("n95-respirator", "420000", 1, 0, 100, 42, 58, 1),
	}
	if got := h.daily(reg.Token, "?days=1"); !slices.Equal(got.Items, want) || got.Next != "" {
		t.Fatalf("rows\n got %+v\nwant %+v", got.Items, want)
	}

	// Filters, and pages of one row.
	if got := h.daily(reg.Token, "?days=1&item=n95-respirator&province=420000").Items; !slices.Equal(got, want[4:]) {
		t.Errorf("one item in one province: %+v", got)
	}
	var paged []ports.DailyJSON
	for q := "?days=1&limit=1"; ; {
		l := h.daily(reg.Token, q)
		paged = append(paged, l.Items...)
		if l.Next == "" {
			break
		}
		q = "?days=1&limit=1&cursor=" + l.Next
	}
	if !slices.Equal(paged, want) {
		t.Errorf("paged rows %+v", paged)
	}

	for q, field := range map[string]string{"?days=0": "days", "?days=32": "days", "?days=week": "days",
		"?item=gold": "item", "?province=420100": "province"} {
		r := h.do("GET", "/v1/needs/daily"+q, reg.Token, "")
		if p := r.problem(t); r.status != http.StatusUnprocessableEntity || len(p.Errors) != 1 || p.Errors[0].Field != field {
			t.Errorf("%s: %d %s", q, r.status, r.body)
		}
	}
	if r := h.do("GET", "/v1/needs/daily?cursor=***", reg.Token, ""); r.status != http.StatusBadRequest {
		t.Errorf("bad cursor: %d %s", r.status, r.body)
	}

	// The static route does not shadow a need, nor a need the route: a
	// hospital asking for "daily" is refused for its role, not told that no
	// need has that id.
	if r := h.do("GET", "/v1/needs/"+a.ID, reg.Token, ""); r.status != http.StatusOK || r.need(t).ID != a.ID {
		t.Errorf("GET a need: %d %s", r.status, r.body)
	}
	if r := h.do("GET", "/v1/needs/daily", wuhan.Token, ""); r.status != http.StatusForbidden {
		t.Errorf("a hospital: %d %s", r.status, r.body)
	}

	h.restart()
	if got := h.daily(reg.Token, "?days=1"); !slices.Equal(got.Items, want) {
		t.Fatalf("after a restart\n got %+v\nwant %+v", got.Items, want)
	}
}
