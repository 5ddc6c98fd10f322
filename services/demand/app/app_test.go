package app_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/contracts/schemas/validator"
	"github.com/aidflow/aidflow/services/demand/adapters/memory"
	"github.com/aidflow/aidflow/services/demand/app"
	"github.com/aidflow/aidflow/services/demand/domain"
	"github.com/aidflow/aidflow/shared/apperr"
	"github.com/aidflow/aidflow/shared/auth"
)

var (
	start     = time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
	hospitalA = domain.Poster{HospitalID: "org_hosa", Region: "420100"}
	hospitalB = domain.Poster{HospitalID: "org_hosb", Region: "330100"}
	regulator = domain.Viewer{OrgID: "org_reg", Role: auth.Regulator}
)

func viewerOf(p domain.Poster) domain.Viewer {
	return domain.Viewer{OrgID: p.HospitalID, Role: auth.Hospital}
}

// clock is a test clock that only moves when told.
type clock struct{ t time.Time }

func (c *clock) now() time.Time      { return c.t }
func (c *clock) add(d time.Duration) { c.t = c.t.Add(d) }
func newApp(t *testing.T) (*app.App, *memory.Needs, *clock) {
	t.Helper()
	repo := memory.NewNeeds()
	a := app.New(repo, memory.NewStockReports())
	c := &clock{start}
	a.Now = c.now
	return a, repo, c
}

func input(item string, qty string) domain.NewNeedInput {
	return domain.NewNeedInput{Item: item, Quantity: qty, Urgency: "high", NeededBy: "2026-03-10", Note: "call ward 3 before delivery"}
}

func post(t *testing.T, a *app.App, c *clock, by domain.Poster, in domain.NewNeedInput) domain.Need {
	t.Helper()
	c.add(time.Second)
	n, err := a.PostNeed(context.Background(), by, "", in)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func lastEvent(t *testing.T, repo *memory.Needs) events.Envelope {
	t.Helper()
	evs := repo.Events()
	if len(evs) == 0 {
		t.Fatal("no event")
	}
	return evs[len(evs)-1]
}

func TestPostNeed(t *testing.T) {
	a, repo, c := newApp(t)
	n := post(t, a, c, hospitalA, input("n95-respirator", "500"))
	got, err := a.GetNeed(context.Background(), viewerOf(hospitalA), n.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Quantity != 500 || got.Status != domain.StatusOpen || got.Note != "call ward 3 before delivery" || !got.CreatedAt.Equal(c.t) {
		t.Errorf("stored need = %+v", got)
	}
	e := lastEvent(t, repo)
	if e.Type != events.NeedPostedType || e.Source != "demand" || e.Subject != n.ID || e.OrgID != hospitalA.HospitalID || e.Item != "n95-respirator" {
		t.Errorf("envelope = %+v", e)
	}
	var d events.NeedPosted
	if err := e.Decode(&d); err != nil {
		t.Fatal(err)
	}
	want := events.NeedPosted{NeedID: n.ID, HospitalID: "org_hosa", Item: "n95-respirator", Quantity: 500, Urgency: "high",
		NeededBy: "2026-03-10", AcceptedStandards: []string{"GB 19083"}, Region: "420100"}
	if d.NeedID != want.NeedID || d.Quantity != want.Quantity || d.Region != want.Region || d.NeededBy != want.NeededBy ||
		d.Urgency != want.Urgency || !slices.Equal(d.AcceptedStandards, want.AcceptedStandards) {
		t.Errorf("data = %+v, want %+v", d, want)
	}
	if strings.Contains(string(e.Data), "ward 3") {
		t.Error("the private note leaked into need_posted")
	}
}

func TestPostNeedInvalidStoresNothing(t *testing.T) {
	a, repo, _ := newApp(t)
	_, err := a.PostNeed(context.Background(), hospitalA, "", input("n95-respirator", "0"))
	if apperr.CodeOf(err) != apperr.Unprocessable {
		t.Fatalf("err = %v", err)
	}
	if len(repo.Events()) != 0 || a.Index.Len() != 0 {
		t.Error("an invalid need was stored")
	}
}

func TestGetNeedVisibility(t *testing.T) {
	a, _, c := newApp(t)
	n := post(t, a, c, hospitalA, input("n95-respirator", "500"))
	tests := []struct {
		v    domain.Viewer
		code apperr.Code
	}{
		{viewerOf(hospitalA), ""},
		{regulator, ""},
		{viewerOf(hospitalB), apperr.NotFound},
		{domain.Viewer{OrgID: "org_man", Role: auth.Manufacturer}, apperr.NotFound},
	}
	for _, tt := range tests {
		_, err := a.GetNeed(context.Background(), tt.v, n.ID)
		if apperr.CodeOf(err) != tt.code {
			t.Errorf("%+v: err = %v, want %q", tt.v, err, tt.code)
		}
	}
	if _, err := a.GetNeed(context.Background(), regulator, "need_missing"); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("unknown id: %v", err)
	}
}

func ids(ns []domain.Need) []string {
	var out []string
	for _, n := range ns {
		out = append(out, n.ID)
	}
	return out
}

func TestListNeeds(t *testing.T) {
	a, _, c := newApp(t)
	a1 := post(t, a, c, hospitalA, input("n95-respirator", "100"))
	b1 := post(t, a, c, hospitalB, input("n95-respirator", "100"))
	a2 := post(t, a, c, hospitalA, input("surgical-mask", "100"))
	a3 := post(t, a, c, hospitalA, input("n95-respirator", "100"))
	if _, err := a.CancelNeed(context.Background(), hospitalA.HospitalID, a3.ID); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		v    domain.Viewer
		f    domain.ListFilter
		want []string
	}{
		{"a hospital sees its own, newest first", viewerOf(hospitalA), domain.ListFilter{}, []string{a3.ID, a2.ID, a1.ID}},
		{"another hospital", viewerOf(hospitalB), domain.ListFilter{}, []string{b1.ID}},
		{"a regulator sees all", regulator, domain.ListFilter{}, []string{a3.ID, a2.ID, b1.ID, a1.ID}},
		{"by item", regulator, domain.ListFilter{Item: "n95-respirator"}, []string{a3.ID, b1.ID, a1.ID}},
		{"by status", viewerOf(hospitalA), domain.ListFilter{Status: domain.StatusOpen}, []string{a2.ID, a1.ID}},
		{"by both", viewerOf(hospitalA), domain.ListFilter{Status: domain.StatusCancelled, Item: "n95-respirator"}, []string{a3.ID}},
		{"a hospital cannot ask for another's", viewerOf(hospitalB), domain.ListFilter{HospitalID: hospitalA.HospitalID}, []string{b1.ID}},
		{"nothing", regulator, domain.ListFilter{Status: domain.StatusFulfilled}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Page by one and by two: the pages must join up to the whole list.
			for _, limit := range []int{1, 2, 50} {
				var got []string
				after := ""
				for range 10 {
					page, next, err := a.ListNeeds(tt.v, tt.f, after, limit)
					if err != nil {
						t.Fatal(err)
					}
					if len(page) > limit {
						t.Fatalf("page of %d > limit %d", len(page), limit)
					}
					got = append(got, ids(page)...)
					if next == "" {
						break
					}
					after = next
				}
				if !slices.Equal(got, tt.want) {
					t.Errorf("limit %d: got %v, want %v", limit, got, tt.want)
				}
			}
		})
	}
	if _, _, err := a.ListNeeds(regulator, domain.ListFilter{}, "garbage", 10); apperr.CodeOf(err) != apperr.Invalid {
		t.Errorf("bad cursor: %v", err)
	}
}

func TestListOrderBreaksTiesByID(t *testing.T) {
	a, _, _ := newApp(t)
	var posted []string
	for range 5 {
		// Same clock for all: creation times tie.
		n, err := a.PostNeed(context.Background(), hospitalA, "", input("goggles", "10"))
		if err != nil {
			t.Fatal(err)
		}
		posted = append(posted, n.ID)
	}
	slices.Sort(posted)
	slices.Reverse(posted)
	var got []string
	after := ""
	for {
		page, next, err := a.ListNeeds(regulator, domain.ListFilter{}, after, 2)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, ids(page)...)
		if next == "" {
			break
		}
		after = next
	}
	if !slices.Equal(got, posted) {
		t.Errorf("got %v, want %v", got, posted)
	}
}

func TestCancelNeed(t *testing.T) {
	a, repo, c := newApp(t)
	n := post(t, a, c, hospitalA, input("n95-respirator", "100"))
	ctx := context.Background()
	before := len(repo.Events())
	if _, err := a.CancelNeed(ctx, hospitalB.HospitalID, n.ID); apperr.CodeOf(err) != apperr.NotFound {
		t.Fatalf("another hospital: %v", err)
	}
	if len(repo.Events()) != before {
		t.Fatal("a refused cancel published an event")
	}
	c.add(time.Minute)
	got, err := a.CancelNeed(ctx, hospitalA.HospitalID, n.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != domain.StatusCancelled || !got.CancelledAt.Equal(c.t) || got.Revision != 2 {
		t.Errorf("need = %+v", got)
	}
	e := lastEvent(t, repo)
	var d events.NeedChanged
	_ = e.Decode(&d)
	if e.Type != events.NeedCancelledType || e.Subject != n.ID || e.Item != n.Item || d.Status != domain.StatusCancelled || d.Region != "420100" {
		t.Errorf("event %+v data %+v", e, d)
	}
	if _, err := a.CancelNeed(ctx, hospitalA.HospitalID, n.ID); !errors.Is(err, domain.ErrNeedAlreadyCancelled) {
		t.Errorf("second cancel: %v", err)
	}
	if _, err := a.CancelNeed(ctx, hospitalA.HospitalID, "need_missing"); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("unknown need: %v", err)
	}
}

func allocation(n domain.Need, id string, version, qty int64, status string, shipped, received int64) events.Allocation {
	return events.Allocation{AllocationID: id, Version: version, NeedID: n.ID, HospitalID: n.HospitalID, Item: n.Item,
		Quantity: qty, SourceKind: "capacity", Status: status, ShippedQuantity: shipped, ReceivedQuantity: received}
}

func TestApplyAllocation(t *testing.T) {
	a, repo, c := newApp(t)
	n := post(t, a, c, hospitalA, input("n95-respirator", "100"))
	ctx := context.Background()
	events0 := len(repo.Events())
	steps := []struct {
		al       events.Allocation
		status   string
		revision int64
	}{
		{allocation(n, "alloc_1", 1, 60, "proposed", 0, 0), domain.StatusPartiallyAllocated, 2},
		{allocation(n, "alloc_1", 1, 60, "proposed", 0, 0), domain.StatusPartiallyAllocated, 2}, // replayed: no write
		{allocation(n, "alloc_2", 1, 40, "proposed", 0, 0), domain.StatusAllocated, 3},
		{allocation(n, "alloc_1", 3, 60, "dispatched", 60, 0), domain.StatusAllocated, 4},
		{allocation(n, "alloc_1", 2, 60, "accepted", 0, 0), domain.StatusAllocated, 4}, // late, older: ignored
		{allocation(n, "alloc_2", 2, 40, "declined", 0, 0), domain.StatusPartiallyAllocated, 5},
		{allocation(n, "alloc_1", 4, 60, "delivered", 60, 60), domain.StatusPartiallyAllocated, 6},
		{allocation(n, "alloc_3", 1, 40, "delivered", 40, 40), domain.StatusFulfilled, 7},
	}
	for i, s := range steps {
		got, err := a.ApplyAllocation(ctx, s.al)
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if got.Status != s.status || got.Revision != s.revision {
			t.Fatalf("step %d: status %s revision %d, want %s %d", i, got.Status, got.Revision, s.status, s.revision)
		}
		listed, _, _ := a.ListNeeds(regulator, domain.ListFilter{Status: s.status}, "", 10)
		if len(listed) != 1 || listed[0].Revision != s.revision {
			t.Fatalf("step %d: the index does not follow: %+v", i, listed)
		}
	}
	got, _ := a.GetNeed(ctx, regulator, n.ID)
	if got.AllocatedQuantity != 100 || got.DispatchedQuantity != 100 || got.DeliveredQuantity != 100 || len(got.Allocations) != 3 {
		t.Errorf("need = %+v", got)
	}
	if len(repo.Events()) != events0 {
		t.Error("applying allocations published events")
	}
}

func TestApplyAllocationRefusals(t *testing.T) {
	a, _, c := newApp(t)
	n := post(t, a, c, hospitalA, input("n95-respirator", "100"))
	other := n
	other.ID = "need_missing"
	tests := []struct {
		name string
		al   events.Allocation
		code apperr.Code
	}{
		{"unknown need", allocation(other, "alloc_1", 1, 10, "proposed", 0, 0), apperr.NotFound},
		{"no version", allocation(n, "alloc_1", 0, 10, "proposed", 0, 0), apperr.Unprocessable},
		{"no allocation id", allocation(n, "", 1, 10, "proposed", 0, 0), apperr.Unprocessable},
		{"another hospital", func() events.Allocation {
			al := allocation(n, "alloc_1", 1, 10, "proposed", 0, 0)
			al.HospitalID = "org_x"
			return al
		}(), apperr.Unprocessable},
	}
	for _, tt := range tests {
		if _, err := a.ApplyAllocation(context.Background(), tt.al); apperr.CodeOf(err) != tt.code {
			t.Errorf("%s: err = %v, want %s", tt.name, err, tt.code)
		}
	}
}

func TestStaleAndConfirm(t *testing.T) {
	a, repo, c := newApp(t)
	ctx := context.Background()
	open := post(t, a, c, hospitalA, input("n95-respirator", "100"))
	allocated := post(t, a, c, hospitalA, input("n95-respirator", "100"))
	if _, err := a.ApplyAllocation(ctx, allocation(allocated, "alloc_1", 1, 100, "proposed", 0, 0)); err != nil {
		t.Fatal(err)
	}
	confirmed := post(t, a, c, hospitalB, input("surgical-mask", "100"))

	c.add(3 * 24 * time.Hour)
	if _, err := a.ConfirmNeed(ctx, hospitalB.HospitalID, confirmed.ID); err != nil {
		t.Fatal(err)
	}
	if e := lastEvent(t, repo); e.Type != events.NeedConfirmedType || e.Subject != confirmed.ID {
		t.Errorf("confirm event = %+v", e)
	}
	if n, err := a.MarkStale(ctx); err != nil || n != 0 {
		t.Fatalf("too early: marked %d, %v", n, err)
	}

	c.add(4 * 24 * time.Hour) // a week after posting, four days after the confirmation
	marked, err := a.MarkStale(ctx)
	if err != nil || marked != 1 {
		t.Fatalf("marked %d, %v; want 1", marked, err)
	}
	e := lastEvent(t, repo)
	var d events.NeedChanged
	_ = e.Decode(&d)
	if e.Type != events.NeedStaleType || e.Subject != open.ID || d.Status != domain.StatusStale {
		t.Errorf("stale event %+v %+v", e, d)
	}
	if again, _ := a.MarkStale(ctx); again != 0 {
		t.Errorf("a second run marked %d", again)
	}
	if stale, _, _ := a.ListNeeds(regulator, domain.ListFilter{Status: domain.StatusStale}, "", 10); len(stale) != 1 || stale[0].ID != open.ID {
		t.Errorf("stale list = %v", ids(stale))
	}

	back, err := a.ConfirmNeed(ctx, hospitalA.HospitalID, open.ID)
	if err != nil || back.Status != domain.StatusOpen || back.ConfirmedAt == nil || !back.ConfirmedAt.Equal(c.t) {
		t.Fatalf("confirm a stale need: %+v, %v", back, err)
	}
	if _, err := a.ConfirmNeed(ctx, hospitalB.HospitalID, open.ID); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("another hospital's confirm: %v", err)
	}
}

func TestLoadRebuildsTheIndex(t *testing.T) {
	a, repo, c := newApp(t)
	n1 := post(t, a, c, hospitalA, input("n95-respirator", "100"))
	n2 := post(t, a, c, hospitalA, input("goggles", "10"))
	if _, err := a.CancelNeed(context.Background(), hospitalA.HospitalID, n1.ID); err != nil {
		t.Fatal(err)
	}
	fresh := app.New(repo, a.Stock)
	if err := fresh.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	got, _, _ := fresh.ListNeeds(viewerOf(hospitalA), domain.ListFilter{}, "", 10)
	if !slices.Equal(ids(got), []string{n2.ID, n1.ID}) || got[1].Status != domain.StatusCancelled {
		t.Errorf("loaded %v", got)
	}
}

func TestIndexKeepsTheLaterRevision(t *testing.T) {
	a, _, c := newApp(t)
	n := post(t, a, c, hospitalA, input("n95-respirator", "100"))
	cancelled, err := a.CancelNeed(context.Background(), hospitalA.HospitalID, n.ID)
	if err != nil {
		t.Fatal(err)
	}
	a.Index.Put(n) // the posting's write, arriving late
	got, _, _ := a.ListNeeds(regulator, domain.ListFilter{}, "", 10)
	if len(got) != 1 || got[0].Status != domain.StatusCancelled || got[0].Revision != cancelled.Revision {
		t.Errorf("index went back to an older revision: %+v", got)
	}
	got[0].Allocations = append(got[0].Allocations, domain.Allocation{ID: "x"})
	again, _, _ := a.ListNeeds(regulator, domain.ListFilter{}, "", 10)
	if len(again[0].Allocations) != 0 {
		t.Error("a listed need shares memory with the index")
	}
}

// TestEventsMatchTheirSchemas validates every event the use cases produce
// against the contract's JSON Schemas: a renamed field or a stray note
// (the schemas forbid extra properties) fails here, not in a consumer.
func TestEventsMatchTheirSchemas(t *testing.T) {
	v, err := validator.New()
	if err != nil {
		t.Fatal(err)
	}
	a, repo, c := newApp(t)
	ctx := context.Background()
	n1 := post(t, a, c, hospitalA, input("n95-respirator", "100"))
	post(t, a, c, hospitalA, input("ventilator", "2")) // goes stale below
	if _, err := a.ConfirmNeed(ctx, hospitalA.HospitalID, n1.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := a.CancelNeed(ctx, hospitalA.HospitalID, n1.ID); err != nil {
		t.Fatal(err)
	}
	c.add(8 * 24 * time.Hour)
	if n, err := a.MarkStale(ctx); err != nil || n != 1 {
		t.Fatalf("marked %d, %v", n, err)
	}
	seen := map[string]bool{}
	for _, e := range repo.Events() {
		raw, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		if err := v.Event(raw); err != nil {
			t.Errorf("%s: %v", e.Type, err)
		}
		if strings.Contains(string(raw), "ward 3") {
			t.Errorf("%s carries the private note", e.Type)
		}
		seen[e.Type] = true
	}
	for _, typ := range []string{events.NeedPostedType, events.NeedConfirmedType, events.NeedCancelledType, events.NeedStaleType} {
		if !seen[typ] {
			t.Errorf("no %s produced", typ)
		}
	}
}

// A retry of a post whose need was stored but whose answer was lost (the
// process or the database died before the idempotency record was written)
// answers the stored need and posts nothing new.
func TestPostNeedWithTheSameKeyPostsOnce(t *testing.T) {
	a, repo, _ := newApp(t)
	ctx := context.Background()
	first, err := a.PostNeed(ctx, hospitalA, "key-1", input("goggles", "10"))
	if err != nil {
		t.Fatal(err)
	}
	again, err := a.PostNeed(ctx, hospitalA, "key-1", input("goggles", "10"))
	if err != nil || again.ID != first.ID {
		t.Fatalf("retry = %s, %v; want the first need %s", again.ID, err, first.ID)
	}
	// A restarted process whose index does not hold it yet: the store
	// refuses the second insert and the stored need is answered.
	restarted := app.New(repo, memory.NewStockReports())
	restarted.Now = a.Now
	afterCrash, err := restarted.PostNeed(ctx, hospitalA, "key-1", input("goggles", "10"))
	if err != nil || afterCrash.ID != first.ID {
		t.Fatalf("retry after a restart = %s, %v; want the first need %s", afterCrash.ID, err, first.ID)
	}
	if n := len(repo.Events()); n != 1 {
		t.Fatalf("%d events stored, want one need_posted", n)
	}
	other, err := a.PostNeed(ctx, hospitalA, "key-2", input("goggles", "10"))
	if err != nil || other.ID == first.ID {
		t.Fatalf("another key = %s, %v; want a new need", other.ID, err)
	}
	theirs, err := a.PostNeed(ctx, hospitalB, "key-1", input("goggles", "10"))
	if err != nil || theirs.ID == first.ID {
		t.Fatalf("another hospital's key-1 = %s, %v; want its own need", theirs.ID, err)
	}
}
