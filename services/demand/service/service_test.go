package service_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/demand/ports"
	"github.com/aidflow/aidflow/services/demand/service"
	"github.com/aidflow/aidflow/shared/auth"
	"github.com/aidflow/aidflow/shared/testkit"
)

// TestNeedFollowsItsAllocations is issue 2's thin flow as the demand
// service sees it: a need posted, then allocated, dispatched and delivered
// by the matcher's events, fulfilled.
func TestNeedFollowsItsAllocations(t *testing.T) {
	h := start(t)
	hos := h.org(auth.Hospital, "420100")
	n := h.post(hos.Token, "n95-respirator", 100)
	if n.Status != "open" || n.HospitalID != hos.ID || n.Region != "420100" || n.Quantity != 100 || n.Urgency != "critical" ||
		!slices.Equal(n.AcceptedStandards, []string{"GB 19083"}) || n.Note == nil || !strings.Contains(*n.Note, "ward 3") ||
		len(n.Allocations) != 0 || n.ConfirmedAt != nil || n.CreatedAt.IsZero() {
		t.Fatalf("posted need = %+v", n)
	}

	e := h.event(events.NeedPostedType, n.ID)
	if e.OrgID != hos.ID || e.Item != "n95-respirator" || e.Source != "demand" {
		t.Errorf("need_posted envelope = %+v", e)
	}
	if strings.Contains(string(e.Data), "ward 3") || strings.Contains(string(e.Data), "13800000000") {
		t.Error("the private note reached the bus")
	}

	h.allocation(events.AllocationProposedType, n, "alloc_1", 1, 60, "proposed", 0, 0, 0)
	h.eventually(n.ID, hos.Token, func(n ports.NeedJSON) bool { return n.Status == "partially_allocated" && n.AllocatedQuantity == 60 }, "partially allocated")
	h.allocation(events.AllocationProposedType, n, "alloc_2", 1, 40, "proposed", 0, 0, 0)
	h.allocation(events.AllocationAcceptedType, n, "alloc_1", 2, 60, "accepted", 0, 0, 0)
	h.allocation(events.AllocationDispatchedType, n, "alloc_1", 3, 60, "dispatched", 60, 0, 0)
	h.allocation(events.AllocationProposedType, n, "alloc_2", 1, 40, "proposed", 0, 0, 0) // a replay
	h.allocation(events.AllocationAcceptedType, n, "alloc_1", 2, 60, "accepted", 0, 0, 0) // late and older
	got := h.eventually(n.ID, hos.Token, func(n ports.NeedJSON) bool { return n.DispatchedQuantity == 60 }, "dispatched")
	if got.Status != "allocated" || got.AllocatedQuantity != 100 || len(got.Allocations) != 2 || got.Allocations[0].Status != "dispatched" {
		t.Errorf("after dispatch = %+v", got)
	}

	h.allocation(events.AllocationReceivedType, n, "alloc_1", 4, 60, "delivered", 60, 58, 2)
	h.allocation(events.AllocationDispatchedType, n, "alloc_2", 3, 40, "dispatched", 40, 0, 0)
	h.allocation(events.AllocationReceivedType, n, "alloc_2", 4, 40, "delivered", 40, 40, 0)
	got = h.eventually(n.ID, hos.Token, func(n ports.NeedJSON) bool { return n.DeliveredQuantity == 98 }, "received")
	// Two units arrived damaged: they served nobody, so the need is short
	// of them again until the matcher replaces them.
	if got.Status != "partially_allocated" || got.AllocatedQuantity != 98 {
		t.Errorf("98 usable of 100: status %s, allocated %d; want partially_allocated, 98", got.Status, got.AllocatedQuantity)
	}
	// The matcher allocates the two damaged units again.
	h.allocation(events.AllocationReceivedType, n, "alloc_3", 3, 2, "delivered", 2, 2, 0)
	got = h.eventually(n.ID, hos.Token, func(n ports.NeedJSON) bool { return n.Status == "fulfilled" }, "fulfilled")
	if got.DeliveredQuantity != 100 || got.DispatchedQuantity != 102 || got.AllocatedQuantity != 100 {
		t.Errorf("fulfilled need = %+v", got)
	}

	if r := h.do("POST", "/v1/needs/"+n.ID+"/cancel", hos.Token, ""); r.status != http.StatusConflict {
		t.Errorf("cancel a fulfilled need: %d %s", r.status, r.body)
	}
	l := h.do("GET", "/v1/needs?status=fulfilled", hos.Token, "").list(t)
	if len(l.Items) != 1 || l.Items[0].ID != n.ID {
		t.Errorf("fulfilled list = %+v", l)
	}

	// The timeline tells the same story, oldest first, replays left out.
	r := h.do("GET", "/v1/needs/"+n.ID+"/timeline", hos.Token, "")
	var tl ports.TimelineJSON
	if err := json.Unmarshal(r.body, &tl); err != nil || r.status != http.StatusOK {
		t.Fatalf("timeline: %d %s", r.status, r.body)
	}
	var steps []string
	for _, e := range tl.Items {
		steps = append(steps, e.Type+" "+e.AllocationID+" "+e.Status)
	}
	want := []string{"posted  open", "allocation_proposed alloc_1 partially_allocated", "allocation_proposed alloc_2 allocated",
		"allocation_accepted alloc_1 allocated", "allocation_dispatched alloc_1 allocated", "allocation_received alloc_1 partially_allocated",
		"allocation_dispatched alloc_2 partially_allocated", "allocation_received alloc_2 partially_allocated", "allocation_received alloc_3 fulfilled"}
	if !slices.Equal(steps, want) || tl.Next != "" || tl.Omitted != 0 {
		t.Errorf("timeline =\n%s\nwant\n%s", strings.Join(steps, "\n"), strings.Join(want, "\n"))
	}
	if rc := tl.Items[5]; rc.Received != 58 || rc.Damaged != 2 || rc.Shipped != 60 {
		t.Errorf("receipt entry = %+v", rc)
	}
}

// TestPoisonEventDoesNotStopTheConsumer: an allocation for a need this
// service never had is refused and the next event is still applied.
func TestPoisonEventDoesNotStopTheConsumer(t *testing.T) {
	h := start(t)
	hos := h.org(auth.Hospital, "420100")
	n := h.post(hos.Token, "goggles", 10)
	ghost := n
	ghost.ID = "need_ghost"
	h.allocation(events.AllocationProposedType, ghost, "alloc_g", 1, 10, "proposed", 0, 0, 0)
	h.allocation(events.AllocationProposedType, n, "alloc_1", 1, 10, "proposed", 0, 0, 0)
	h.eventually(n.ID, hos.Token, func(n ports.NeedJSON) bool { return n.Status == "allocated" }, "allocated after a poison event")
}

func TestCancelAndConfirm(t *testing.T) {
	h := start(t)
	hos := h.org(auth.Hospital, "330100")
	n := h.post(hos.Token, "surgical-mask", 1000)

	r := h.do("POST", "/v1/needs/"+n.ID+"/confirm", hos.Token, "")
	if r.status != http.StatusOK || r.need(t).ConfirmedAt == nil || r.need(t).Status != "open" {
		t.Fatalf("confirm: %d %s", r.status, r.body)
	}
	var d events.NeedChanged
	if err := h.event(events.NeedConfirmedType, n.ID).Decode(&d); err != nil || d.Status != "open" || d.HospitalID != hos.ID {
		t.Errorf("need_confirmed data = %+v, %v", d, err)
	}

	r = h.do("POST", "/v1/needs/"+n.ID+"/cancel", hos.Token, "")
	if r.status != http.StatusOK || r.need(t).Status != "cancelled" {
		t.Fatalf("cancel: %d %s", r.status, r.body)
	}
	if err := h.event(events.NeedCancelledType, n.ID).Decode(&d); err != nil || d.Status != "cancelled" {
		t.Errorf("need_cancelled data = %+v, %v", d, err)
	}
	for _, action := range []string{"cancel", "confirm"} {
		r := h.do("POST", "/v1/needs/"+n.ID+"/"+action, hos.Token, "")
		if r.status != http.StatusConflict || r.problem(t).Detail == "" {
			t.Errorf("%s a cancelled need: %d %s", action, r.status, r.body)
		}
	}
	if c := h.count(events.NeedCancelledType, n.ID); c != 1 {
		t.Errorf("%d need_cancelled events, want 1", c)
	}
}

func TestPostValidation(t *testing.T) {
	h := start(t)
	hos := h.org(auth.Hospital, "420100")
	today := time.Now().In(time.FixedZone("UTC+8", 8*3600))
	tests := []struct {
		name   string
		body   string
		status int
		fields []string
	}{
		{"unknown item", `{"item":"n95","quantity":10,"urgency":"high","needed_by":"` + today.Format("2006-01-02") + `"}`, 422, []string{"item"}},
		{"fractional quantity", `{"item":"goggles","quantity":1.5,"urgency":"high","needed_by":"` + today.Format("2006-01-02") + `"}`, 422, []string{"quantity"}},
		{"quantity as a string", `{"item":"goggles","quantity":"10","urgency":"high","needed_by":"` + today.Format("2006-01-02") + `"}`, 422, []string{"quantity"}},
		{"too many", `{"item":"ventilator","quantity":501,"urgency":"high","needed_by":"` + today.Format("2006-01-02") + `"}`, 422, []string{"quantity"}},
		{"yesterday", `{"item":"goggles","quantity":10,"urgency":"high","needed_by":"` + today.AddDate(0, 0, -1).Format("2006-01-02") + `"}`, 422, []string{"needed_by"}},
		{"KN95 is not a goggles standard", `{"item":"goggles","quantity":10,"urgency":"high","needed_by":"` + today.Format("2006-01-02") + `","accepted_standards":["GB 2626"]}`,
			422, []string{"accepted_standards[0]"}},
		{"note too long", `{"item":"goggles","quantity":10,"urgency":"high","needed_by":"` + today.Format("2006-01-02") + `","note":"` + strings.Repeat("x", 2001) + `"}`, 422, []string{"note"}},
		{"empty object", `{}`, 422, []string{"item", "quantity", "urgency", "needed_by"}},
		{"a client may not set the status", `{"item":"goggles","quantity":10,"urgency":"high","needed_by":"` + today.Format("2006-01-02") + `","status":"fulfilled"}`, 400, []string{"status"}},
		{"not JSON", `{"item":`, 400, nil},
		{"urgency not a string", `{"item":"goggles","quantity":10,"urgency":1,"needed_by":"` + today.Format("2006-01-02") + `"}`, 400, []string{"urgency"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.do("POST", "/v1/needs", hos.Token, tt.body)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.status, tt.status, r.body)
			}
			p := r.problem(t)
			var fields []string
			for _, e := range p.Errors {
				fields = append(fields, e.Field)
				if e.Message == "" {
					t.Errorf("field %s without a message", e.Field)
				}
			}
			if !slices.Equal(fields, tt.fields) {
				t.Errorf("fields %v, want %v: %s", fields, tt.fields, r.body)
			}
		})
	}
	if l := h.do("GET", "/v1/needs", hos.Token, "").list(t); len(l.Items) != 0 {
		t.Errorf("refused posts stored needs: %+v", l.Items)
	}
}

func TestIdempotentPost(t *testing.T) {
	h := start(t)
	hos := h.org(auth.Hospital, "420100")
	body := needBody("protective-suit", 50)
	first := h.do("POST", "/v1/needs", hos.Token, body, "Idempotency-Key", "k-1")
	again := h.do("POST", "/v1/needs", hos.Token, body, "Idempotency-Key", "k-1")
	if first.status != 201 || again.status != 201 || first.need(t).ID != again.need(t).ID {
		t.Fatalf("first %d %s; again %d %s", first.status, first.body, again.status, again.body)
	}
	if l := h.do("GET", "/v1/needs", hos.Token, "").list(t); len(l.Items) != 1 {
		t.Errorf("%d needs after a retried post, want 1", len(l.Items))
	}
}

func TestListPagesFiltersAndSurvivesRestart(t *testing.T) {
	h := start(t)
	a := h.org(auth.Hospital, "420100")
	b := h.org(auth.Hospital, "110000")
	reg := h.org(auth.Regulator, "110000")
	var posted []string
	var created []ports.NeedJSON
	for i := range 5 {
		tok := a.Token
		if i == 2 {
			tok = b.Token
		}
		item := "n95-respirator"
		if i%2 == 1 {
			item = "goggles"
		}
		n := h.post(tok, item, 10)
		posted = append(posted, n.ID)
		created = append(created, n)
	}
	if r := h.do("POST", "/v1/needs/"+posted[4]+"/cancel", a.Token, ""); r.status != 200 {
		t.Fatalf("cancel: %d %s", r.status, r.body)
	}
	// Newest first: by created_at, then id, both descending (two needs can
	// share a millisecond).
	slices.SortFunc(created, func(x, y ports.NeedJSON) int {
		if c := y.CreatedAt.Compare(x.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(y.ID, x.ID)
	})
	var rev []string
	for _, n := range created {
		rev = append(rev, n.ID)
	}
	without := func(ids []string, drop ...string) []string {
		return slices.DeleteFunc(slices.Clone(ids), func(id string) bool { return slices.Contains(drop, id) })
	}

	check := func(t *testing.T) {
		tests := []struct {
			name, token, query string
			want               []string
		}{
			{"regulator, all, newest first", reg.Token, "", rev},
			{"hospital a, its own", a.Token, "", without(rev, posted[2])},
			{"hospital b, its own", b.Token, "", []string{posted[2]}},
			{"by item", reg.Token, "item=goggles", []string{posted[3], posted[1]}},
			{"by status", a.Token, "status=open", without(rev, posted[2], posted[4])},
			{"by both", reg.Token, "status=cancelled&item=n95-respirator", []string{posted[4]}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				var got []string
				cursor := ""
				for range 10 {
					q := "limit=2&" + tt.query
					if cursor != "" {
						q += "&cursor=" + cursor
					}
					l := h.do("GET", "/v1/needs?"+q, tt.token, "").list(t)
					if len(l.Items) > 2 {
						t.Fatalf("page of %d with limit 2", len(l.Items))
					}
					for _, n := range l.Items {
						got = append(got, n.ID)
						if n.Note == nil {
							t.Errorf("%s: the note is missing for a reader entitled to it", n.ID)
						}
					}
					if cursor = l.Next; cursor == "" {
						break
					}
				}
				if !slices.Equal(got, tt.want) {
					t.Errorf("got %v, want %v", got, tt.want)
				}
			})
		}
	}
	t.Run("running", check)
	h.restart()
	t.Run("after a restart", check)

	for _, q := range []string{"status=lost", "item=n95", "cursor=!!", "cursor=Z2FyYmFnZQ", "limit=ten"} {
		if r := h.do("GET", "/v1/needs?"+q, reg.Token, ""); r.status != http.StatusBadRequest || len(r.problem(t).Errors) == 0 {
			t.Errorf("%s: %d %s", q, r.status, r.body)
		}
	}
	if l := h.do("GET", "/v1/needs?limit=100000", reg.Token, "").list(t); len(l.Items) != 5 || l.Next != "" {
		t.Errorf("a huge limit is clamped, not refused: %+v", l)
	}
}

// TestStaleSweepRunsOnSchedule boots the service with a stale limit of a
// moment and a sweep every second, so the cron wiring itself is exercised:
// the posted need turns stale, and confirming brings it back.
func TestStaleSweepRunsOnSchedule(t *testing.T) {
	h := start(t, func(c *service.Config) {
		c.StaleAfter = time.Millisecond
		c.StaleSchedule = "@every 1s"
	})
	hos := h.org(auth.Hospital, "420100")
	n := h.post(hos.Token, "pcr-test-kit", 200)
	h.eventually(n.ID, hos.Token, func(n ports.NeedJSON) bool { return n.Status == "stale" }, "stale")
	var d events.NeedChanged
	if err := h.event(events.NeedStaleType, n.ID).Decode(&d); err != nil || d.Status != "stale" {
		t.Errorf("need_stale data = %+v, %v", d, err)
	}
	if l := h.do("GET", "/v1/needs?status=stale", hos.Token, "").list(t); len(l.Items) != 1 {
		t.Errorf("stale list = %+v", l)
	}
	r := h.do("POST", "/v1/needs/"+n.ID+"/confirm", hos.Token, "")
	if r.status != http.StatusOK || r.need(t).Status != "open" {
		t.Fatalf("confirm a stale need: %d %s", r.status, r.body)
	}
}

// TestAuthorizationMatrix calls every route as every kind of caller. A
// refused call changes nothing: no event, the need as it was.
func TestAuthorizationMatrix(t *testing.T) {
	h := start(t)
	owner := h.org(auth.Hospital, "420100")
	other := h.org(auth.Hospital, "420100")
	callers := map[string]string{
		"no token":     "",
		"bad token":    "aft1.forged.signature",
		"owner":        owner.Token,
		"other":        other.Token,
		"manufacturer": h.org(auth.Manufacturer, "330100").Token,
		"donor":        h.org(auth.Donor, "110000").Token,
		"regulator":    h.org(auth.Regulator, "110000").Token,
	}
	orgOf := map[string]string{"owner": owner.ID, "other": other.ID}
	if r := h.do("POST", "/v1/stock-reports", owner.Token, `{"item":"ventilator","on_hand":1,"daily_consumption":1}`); r.status != http.StatusCreated {
		t.Fatalf("owner's stock report: %d %s", r.status, r.body)
	}
	n := h.post(owner.Token, "oxygen-concentrator", 5)
	before := h.do("GET", "/v1/needs/"+n.ID, owner.Token, "").need(t)

	type route struct{ method, path, body string }
	var (
		post      = route{"POST", "/v1/needs", needBody("goggles", 1)}
		list      = route{"GET", "/v1/needs", ""}
		get       = route{"GET", "/v1/needs/" + n.ID, ""}
		cancel    = route{"POST", "/v1/needs/" + n.ID + "/cancel", ""}
		confirm   = route{"POST", "/v1/needs/" + n.ID + "/confirm", ""}
		missing   = route{"GET", "/v1/needs/need_missing", ""}
		importing = route{"POST", "/v1/needs:import", "item,quantity,urgency,needed_by\ngoggles,1,high," + time.Now().In(time.FixedZone("UTC+8", 8*3600)).Format("2006-01-02") + "\n"}
		history   = route{"GET", "/v1/needs/" + n.ID + "/timeline", ""}
		stock     = route{"POST", "/v1/stock-reports", `{"item":"goggles","on_hand":10,"daily_consumption":5}`}
		stocks    = route{"GET", "/v1/stock-reports", ""}
		daily     = route{"GET", "/v1/needs/daily", ""}
	)
	want := map[string]map[route]int{
		"no token":     {post: 401, list: 401, get: 401, cancel: 401, confirm: 401, missing: 401, stock: 401, stocks: 401, history: 401, importing: 401, daily: 401},
		"bad token":    {post: 401, list: 401, get: 401, cancel: 401, confirm: 401, missing: 401, stock: 401, stocks: 401, history: 401, importing: 401, daily: 401},
		"other":        {post: 201, list: 200, get: 404, cancel: 404, confirm: 404, missing: 404, stock: 201, stocks: 200, history: 404, importing: 201, daily: 403},
		"manufacturer": {post: 403, list: 403, get: 404, cancel: 403, confirm: 403, missing: 404, stock: 403, stocks: 403, history: 404, importing: 403, daily: 403},
		"donor":        {post: 403, list: 403, get: 404, cancel: 403, confirm: 403, missing: 404, stock: 403, stocks: 403, history: 404, importing: 403, daily: 403},
		"regulator":    {post: 403, list: 200, get: 200, cancel: 403, confirm: 403, missing: 404, stock: 403, stocks: 200, history: 200, importing: 403, daily: 200},
		"owner":        {list: 200, get: 200, missing: 404, stocks: 200, history: 200, daily: 403},
	}
	for caller, routes := range want {
		for rt, status := range routes {
			t.Run(fmt.Sprintf("%s %s %s", caller, rt.method, rt.path), func(t *testing.T) {
				var hdr []string
				if rt == importing {
					hdr = []string{"Content-Type", "text/csv"}
				}
				r := h.do(rt.method, rt.path, callers[caller], rt.body, hdr...)
				if r.status != status {
					t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
				}
				if status >= 400 && r.header.Get("Content-Type") != "application/problem+json" {
					t.Errorf("content type %q", r.header.Get("Content-Type"))
				}
				if rt == list && status == 200 && caller == "other" {
					for _, x := range r.list(t).Items {
						if x.ID == n.ID {
							t.Error("another hospital's need is listed")
						}
					}
				}
				if rt == stocks && status == 200 && caller != "regulator" {
					for _, x := range r.stockList(t).Items {
						if x.HospitalID != orgOf[caller] {
							t.Errorf("%s sees %s's stock report", caller, x.HospitalID)
						}
					}
				}
				if rt == get && status == 200 && r.need(t).Note == nil {
					t.Error("the note is missing for a reader entitled to it")
				}
				if status == 404 && strings.Contains(string(r.body), n.HospitalID) {
					t.Error("a 404 says whose need it is")
				}
			})
		}
	}

	after := h.do("GET", "/v1/needs/"+n.ID, owner.Token, "").need(t)
	if !after.UpdatedAt.Equal(before.UpdatedAt) || after.Status != "open" || after.ConfirmedAt != nil {
		t.Errorf("refused calls changed the need: before %+v after %+v", before, after)
	}
	if c := h.count(events.NeedCancelledType, n.ID) + h.count(events.NeedConfirmedType, n.ID); c != 0 {
		t.Errorf("refused calls published %d events", c)
	}

	t.Run("revoked token", func(t *testing.T) {
		victim := h.org(auth.Hospital, "420100")
		own := h.post(victim.Token, "goggles", 3)
		h.revoke(victim)
		// API.md: a revoked token is refused everywhere within 5 s.
		testkit.Eventually(t, 5*time.Second, func() bool {
			return h.do("GET", "/v1/needs", victim.Token, "").status == http.StatusUnauthorized
		}, "revoked token refused")
		routes := []route{post, list, stock, stocks, importing, daily,
			{"GET", "/v1/needs/" + own.ID, ""}, {"GET", "/v1/needs/" + own.ID + "/timeline", ""},
			{"POST", "/v1/needs/" + own.ID + "/cancel", ""}, {"POST", "/v1/needs/" + own.ID + "/confirm", ""}}
		for _, rt := range routes {
			ct := "application/json"
			if rt == importing {
				ct = "text/csv"
			}
			if r := h.do(rt.method, rt.path, victim.Token, rt.body, "Content-Type", ct); r.status != http.StatusUnauthorized {
				t.Errorf("revoked token: %s %s answered %d", rt.method, rt.path, r.status)
			}
		}
		after := h.do("GET", "/v1/needs/"+own.ID, callers["regulator"], "").need(t)
		if after.Status != "open" || after.ConfirmedAt != nil || !after.UpdatedAt.Equal(own.UpdatedAt) {
			t.Errorf("a revoked token changed its need: %+v", after)
		}
	})
}

func TestConfig(t *testing.T) {
	stale := func(after time.Duration, schedule string) func(service.Config) bool {
		return func(c service.Config) bool {
			return c.StaleAfter == after && c.StaleSchedule == schedule && c.Platform.MongoDB == "aidflow_demand" && c.HoardingMultiple == 30
		}
	}
	testkit.ConfigCases(t, service.LoadConfig, testkit.PlatformEnv(t), []testkit.ConfigCase[service.Config]{
		{Name: "defaults", Check: stale(7*24*time.Hour, "@every 1h")},
		{Name: "set", Env: map[string]string{"AIDFLOW_STALE_AFTER": "72h", "AIDFLOW_STALE_SCHEDULE": "0 3 * * *"}, Check: stale(72*time.Hour, "0 3 * * *")},
		{Name: "off", Env: map[string]string{"AIDFLOW_STALE_SCHEDULE": "off"}, Check: stale(7*24*time.Hour, "off")},
		{Name: "after not a duration", Env: map[string]string{"AIDFLOW_STALE_AFTER": "7d"}, WantErr: "AIDFLOW_STALE_AFTER"},
		{Name: "after zero", Env: map[string]string{"AIDFLOW_STALE_AFTER": "0s"}, WantErr: "AIDFLOW_STALE_AFTER"},
		{Name: "schedule not cron", Env: map[string]string{"AIDFLOW_STALE_SCHEDULE": "hourly"}, WantErr: "AIDFLOW_STALE_SCHEDULE"},
		{Name: "hoarding zero", Env: map[string]string{"AIDFLOW_HOARDING_MULTIPLE": "0"}, WantErr: "AIDFLOW_HOARDING_MULTIPLE"},
		{Name: "hoarding too large", Env: map[string]string{"AIDFLOW_HOARDING_MULTIPLE": "366"}, WantErr: "AIDFLOW_HOARDING_MULTIPLE"},
		{Name: "hoarding not a number", Env: map[string]string{"AIDFLOW_HOARDING_MULTIPLE": "30d"}, WantErr: "AIDFLOW_HOARDING_MULTIPLE"},
	}...)
}
