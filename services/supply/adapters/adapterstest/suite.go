// Package adapterstest is the repository suite every domain.Repository of
// the supply service passes, so the in-memory fake cannot drift from Mongo.
package adapterstest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/supply/app"
	"github.com/aidflow/aidflow/services/supply/domain"
	"github.com/aidflow/aidflow/shared/apperr"
	"github.com/aidflow/aidflow/shared/auth"
)

// Subject is one repository under test.
type Subject struct {
	Repo domain.Repository
	// Events returns the events stored with the report id, oldest first.
	Events func(t *testing.T, id string) []events.Envelope
	// Reopen returns a repository over the same data, as after a restart.
	Reopen func(t *testing.T) domain.Repository
}

var now = time.Date(2020, 2, 3, 8, 0, 0, 0, time.UTC)

func report(item string, available int64, price *int64) domain.Report {
	it := domain.Report{Item: item, AvailableNow: available, DailyRate: 500, LeadTimeDays: 3, Standard: "GB 19083", UnitPriceFen: price}
	if item != "n95-respirator" {
		it.Standard = "YY 0469"
	}
	return it
}

// put stores a report as the app does, with its event.
func put(t *testing.T, r domain.Repository, org, item string, available int64, price *int64) domain.Capacity {
	t.Helper()
	c, err := r.Upsert(context.Background(), domain.CapacityID(org, item), func(c *domain.Capacity, _ bool) ([]events.Envelope, error) {
		c.ManufacturerID, c.Region = org, "330100"
		if err := c.Apply(report(item, available, price), now); err != nil {
			return nil, err
		}
		return []events.Envelope{c.Event("supply")}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func allocate(t *testing.T, r domain.Repository, c domain.Capacity, id string, version int64, status string, qty, shipped int64) error {
	t.Helper()
	a := events.Allocation{AllocationID: id, Version: version, Status: status, Quantity: qty, ShippedQuantity: shipped,
		Item: c.Item, SourceKind: "capacity", SourceID: c.ID, SourceOrgID: c.ManufacturerID}
	_, err := r.Upsert(context.Background(), c.ID, func(c *domain.Capacity, isNew bool) ([]events.Envelope, error) {
		if isNew {
			return nil, domain.ErrCapacityNotFound
		}
		applied, err := c.ApplyAllocation(a, now)
		if err != nil {
			return nil, err
		}
		if !applied.Changed {
			return nil, domain.ErrNoChange
		}
		return nil, nil
	})
	return err
}

func ids(cs []domain.Capacity) []string {
	out := []string{}
	for _, c := range cs {
		out = append(out, c.ID)
	}
	return out
}

// RunRepositorySuite checks a repository made fresh by open for each test.
func RunRepositorySuite(t *testing.T, open func(t *testing.T) Subject) {
	ctx := context.Background()

	t.Run("a first report is created with its event", func(t *testing.T) {
		s := open(t)
		price := int64(350)
		c := put(t, s.Repo, "org_m1", "n95-respirator", 1000, &price)
		got, err := s.Repo.Get(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != "cap_org_m1_n95-respirator" || got.ManufacturerID != "org_m1" || got.Item != "n95-respirator" || got.Region != "330100" ||
			got.AvailableNow != 1000 || got.DailyRate != 500 || got.LeadTimeDays != 3 || got.Standard != "GB 19083" ||
			got.UnitPriceFen == nil || *got.UnitPriceFen != 350 || got.Revision != 1 || !got.ReportedAt.Equal(now) || !got.UpdatedAt.Equal(now) {
			t.Errorf("got %+v", got)
		}
		evs := s.Events(t, c.ID)
		if len(evs) != 1 || evs[0].Type != events.CapacityReportedType || evs[0].Subject != c.ID {
			t.Errorf("events %+v", evs)
		}
	})
	t.Run("a new report replaces the current one", func(t *testing.T) {
		s := open(t)
		price := int64(350)
		put(t, s.Repo, "org_m1", "n95-respirator", 1000, &price)
		c := put(t, s.Repo, "org_m1", "n95-respirator", 800, nil)
		got, err := s.Repo.Get(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.AvailableNow != 800 || got.Revision != 2 || got.UnitPriceFen != nil {
			t.Errorf("got %+v (the price must be cleared by a report without one)", got)
		}
		if n := len(s.Events(t, c.ID)); n != 2 {
			t.Errorf("%d events, want 2", n)
		}
	})
	t.Run("a keyed report sent again after a restart is applied once", func(t *testing.T) {
		s := open(t)
		mfr := auth.Claims{OrgID: "org_m1", Role: auth.Manufacturer, Region: "330100"}
		in := domain.ReportInput{Item: "n95-respirator", AvailableNow: ptrOf[int64](1000), DailyRate: ptrOf[int64](10), LeadTimeDays: ptrOf(0)}
		first, err := app.New(s.Repo, nil).ReportCapacity(ctx, mfr, "key-1", in)
		if err != nil {
			t.Fatal(err)
		}
		// The process died before the idempotency record; the retry
		// reaches a restarted one.
		again, err := app.New(s.Reopen(t), nil).ReportCapacity(ctx, mfr, "key-1", in)
		if err != nil || again.Revision != first.Revision || again.AvailableNow != 1000 {
			t.Fatalf("the retry = revision %d, %v; want the first report, revision %d", again.Revision, err, first.Revision)
		}
		if n := len(s.Events(t, first.ID)); n != 1 {
			t.Errorf("%d capacity_reported events, want 1", n)
		}
		next, err := app.New(s.Reopen(t), nil).ReportCapacity(ctx, mfr, "key-2", in)
		if err != nil || next.Revision != first.Revision+1 || !slices.Equal(next.ReportKeys, []string{"key-1", "key-2"}) {
			t.Errorf("another key = revision %d, keys %v, %v; want a new revision remembering both", next.Revision, next.ReportKeys, err)
		}
	})
	t.Run("the daily history survives a write, a list and a restart", func(t *testing.T) {
		s := open(t)
		c := put(t, s.Repo, "org_m1", "n95-respirator", 1000, nil)
		if err := allocate(t, s.Repo, c, "a1", 1, "proposed", 300, 0); err != nil {
			t.Fatal(err)
		}
		want := []domain.DayFigure{{Date: "2020-02-03", AvailableNow: 1000, DailyRate: 500, Reserved: 300, Reported: true}}
		got, err := s.Repo.Get(ctx, c.ID)
		if err != nil || !slices.Equal(got.Days, want) {
			t.Fatalf("days %+v, %v; want %+v", got.Days, err, want)
		}
		listed, err := s.Repo.List(ctx, domain.Filter{}, "", 10)
		if err != nil || len(listed) != 1 || !slices.Equal(listed[0].Days, want) {
			t.Fatalf("listed %+v, %v", listed, err)
		}
		if s.Reopen != nil {
			again, err := s.Reopen(t).List(ctx, domain.Filter{}, "", 10)
			if err != nil || len(again) != 1 || !slices.Equal(again[0].Days, want) {
				t.Fatalf("after a restart %+v, %v", again, err)
			}
		}
	})
	t.Run("get unknown", func(t *testing.T) {
		_, err := open(t).Repo.Get(ctx, "cap_nobody_n95-respirator")
		if !errors.Is(err, domain.ErrCapacityNotFound) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("a refused change stores nothing", func(t *testing.T) {
		s := open(t)
		c := put(t, s.Repo, "org_m1", "n95-respirator", 1000, nil)
		if err := allocate(t, s.Repo, c, "alloc_1", 1, "proposed", 400, 0); err != nil {
			t.Fatal(err)
		}
		_, err := s.Repo.Upsert(ctx, c.ID, func(c *domain.Capacity, _ bool) ([]events.Envelope, error) {
			return []events.Envelope{c.Event("supply")}, c.Apply(report("n95-respirator", 399, nil), now)
		})
		if apperr.CodeOf(err) != apperr.Conflict {
			t.Fatalf("err = %v, want conflict", err)
		}
		got, _ := s.Repo.Get(ctx, c.ID)
		if got.AvailableNow != 1000 || got.Revision != 1 || got.Reserved() != 400 {
			t.Errorf("got %+v", got)
		}
		if n := len(s.Events(t, c.ID)); n != 1 {
			t.Errorf("%d events, want 1", n)
		}
	})
	t.Run("no change writes nothing and returns the current report", func(t *testing.T) {
		s := open(t)
		c := put(t, s.Repo, "org_m1", "n95-respirator", 1000, nil)
		if err := allocate(t, s.Repo, c, "alloc_1", 2, "dispatched", 300, 300); err != nil {
			t.Fatal(err)
		}
		if err := allocate(t, s.Repo, c, "alloc_1", 2, "dispatched", 300, 300); err != nil {
			t.Fatal(err)
		}
		got, _ := s.Repo.Get(ctx, c.ID)
		if got.AvailableNow != 700 || got.Allocations["alloc_1"].Shipped != 300 || got.Allocations["alloc_1"].Version != 2 {
			t.Errorf("got %+v", got)
		}
		cur, err := s.Repo.Upsert(ctx, c.ID, func(*domain.Capacity, bool) ([]events.Envelope, error) { return nil, domain.ErrNoChange })
		if err != nil || cur.AvailableNow != 700 {
			t.Errorf("no-change upsert: %+v, %v", cur, err)
		}
		if err := allocate(t, s.Repo, domain.Capacity{ID: "cap_nobody_x", Item: "x"}, "alloc_2", 1, "proposed", 1, 0); !errors.Is(err, domain.ErrCapacityNotFound) {
			t.Errorf("allocation of an unknown report: %v", err)
		}
		if _, err := s.Repo.Get(ctx, "cap_nobody_x"); !errors.Is(err, domain.ErrCapacityNotFound) {
			t.Errorf("an allocation must not create a report: %v", err)
		}
	})
	t.Run("list filters, orders and pages from the index", func(t *testing.T) {
		s := open(t)
		put(t, s.Repo, "org_b", "n95-respirator", 10, nil)
		put(t, s.Repo, "org_a", "surgical-mask", 20, nil)
		a95 := put(t, s.Repo, "org_a", "n95-respirator", 30, nil)
		if err := allocate(t, s.Repo, a95, "alloc_1", 1, "accepted", 5, 0); err != nil {
			t.Fatal(err)
		}
		if err := allocate(t, s.Repo, a95, "alloc_2", 1, "declined", 7, 0); err != nil {
			t.Fatal(err)
		}
		for _, repo := range []domain.Repository{s.Repo, s.Reopen(t)} {
			all, err := repo.List(ctx, domain.Filter{}, "", 10)
			if err != nil {
				t.Fatal(err)
			}
			want := []string{"cap_org_a_n95-respirator", "cap_org_a_surgical-mask", "cap_org_b_n95-respirator"}
			if fmt.Sprint(ids(all)) != fmt.Sprint(want) {
				t.Fatalf("all = %v", ids(all))
			}
			if all[0].Reserved() != 5 || all[0].Remaining() != 25 || all[0].AvailableNow != 30 {
				t.Errorf("listed %+v", all[0])
			}
			for f, want := range map[domain.Filter][]string{
				{ManufacturerID: "org_a"}:                        {"cap_org_a_n95-respirator", "cap_org_a_surgical-mask"},
				{Item: "n95-respirator"}:                         {"cap_org_a_n95-respirator", "cap_org_b_n95-respirator"},
				{ManufacturerID: "org_b", Item: "surgical-mask"}: {},
			} {
				got, err := repo.List(ctx, f, "", 10)
				if err != nil || fmt.Sprint(ids(got)) != fmt.Sprint(want) {
					t.Errorf("filter %+v: %v %v", f, ids(got), err)
				}
			}
			page, _ := repo.List(ctx, domain.Filter{}, "cap_org_a_n95-respirator", 1)
			if fmt.Sprint(ids(page)) != "[cap_org_a_surgical-mask]" {
				t.Errorf("page after the first = %v", ids(page))
			}
		}
	})
	t.Run("concurrent allocations all count", func(t *testing.T) {
		s := open(t)
		c := put(t, s.Repo, "org_m1", "n95-respirator", 100000, nil)
		const n = 16
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs <- allocate(t, s.Repo, c, fmt.Sprintf("alloc_%02d", i), 1, "proposed", 10, 0)
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		got, _ := s.Repo.Get(ctx, c.ID)
		listed, _ := s.Repo.List(ctx, domain.Filter{}, "", 10)
		if got.Reserved() != n*10 || len(listed) != 1 || listed[0].Reserved() != n*10 {
			t.Errorf("reserved %d (listed %v), want %d", got.Reserved(), listed, n*10)
		}
	})
	t.Run("allocations racing for the last units", func(t *testing.T) {
		raceForTheLastUnits(t, open(t).Repo)
	})
}

// breaches counts the invariant breaches the app logs.
type breaches struct{ n atomic.Int64 }

func (b *breaches) Enabled(context.Context, slog.Level) bool { return true }
func (b *breaches) Handle(_ context.Context, r slog.Record) error {
	if r.Level == slog.LevelError && r.Message == app.BreachMessage {
		b.n.Add(1)
	}
	return nil
}
func (b *breaches) WithAttrs([]slog.Attr) slog.Handler { return b }
func (b *breaches) WithGroup(string) slog.Handler      { return b }

// raceForTheLastUnits drives the app's use case from many goroutines at
// once, as a misbehaving matcher (or several consumers) would: 24
// allocations of 10 race for 95 units, while readers watch remaining.
// Applied one at a time under the report's lock, the first 9 fit, one gets
// 5 of its 10, and the other 14 are over entirely: exactly 145 units over,
// in exactly 15 allocations, whatever the order. A lost update or a check
// made outside the lock breaks one of those sums.
func raceForTheLastUnits(t *testing.T, repo domain.Repository) {
	t.Helper()
	ctx := context.Background()
	const (
		available = 95
		racers    = 24
		each      = 10
	)
	log := &breaches{}
	a := app.New(repo, slog.New(log))
	a.Now = func() time.Time { return now }
	c := put(t, repo, "org_race", "n95-respirator", available, nil)

	var (
		wg      sync.WaitGroup
		done    = make(chan struct{})
		readErr = make(chan error, 1)
		start   = make(chan struct{})
	)
	go func() { // a reader: remaining is never seen below zero
		defer close(readErr)
		for {
			select {
			case <-done:
				return
			default:
			}
			got, err := repo.Get(ctx, c.ID)
			listed, lerr := repo.List(ctx, domain.Filter{ManufacturerID: "org_race"}, "", 10)
			if err == nil {
				err = lerr
			}
			if err == nil && (got.Remaining() < 0 || len(listed) != 1 || listed[0].Remaining() < 0 || listed[0].Reserved() > racers*each) {
				err = fmt.Errorf("read remaining %d, listed %+v", got.Remaining(), listed)
			}
			if err != nil {
				readErr <- err
				return
			}
		}
	}()
	errs := make(chan error, racers)
	for i := range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			al := events.Allocation{AllocationID: fmt.Sprintf("alloc_race_%02d", i), Version: 1, Status: "proposed", Quantity: each,
				Item: c.Item, SourceKind: domain.SourceKind, SourceID: c.ID, SourceOrgID: c.ManufacturerID}
			errs <- a.ApplyAllocation(ctx, al)
		}()
	}
	close(start)
	wg.Wait()
	close(done)
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := <-readErr; err != nil {
		t.Fatal(err)
	}
	got, err := repo.Get(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	var over, flagged int64
	for _, al := range got.Allocations {
		over += al.Over
		if al.Over > 0 {
			flagged++
		}
	}
	if got.Reserved() != racers*each || got.Remaining() != 0 || got.OverReserved() != racers*each-available ||
		over != racers*each-available || flagged != 15 || log.n.Load() != 15 || len(got.Allocations) != racers {
		t.Fatalf("reserved %d remaining %d over_reserved %d; Σ over %d in %d allocations, %d breaches logged",
			got.Reserved(), got.Remaining(), got.OverReserved(), over, flagged, log.n.Load())
	}
	// The manufacturer cannot report less than is promised, not even what
	// it first reported.
	_, err = a.ReportCapacity(ctx, auth.Claims{OrgID: "org_race", Role: auth.Manufacturer, Region: "330100"}, "",
		domain.ReportInput{Item: "n95-respirator", AvailableNow: ptrOf[int64](available), DailyRate: ptrOf[int64](0), LeadTimeDays: ptrOf(0)})
	if apperr.CodeOf(err) != apperr.Conflict {
		t.Fatalf("a report below reserved: %v", err)
	}
	// Redelivering every snapshot changes nothing and reports nothing again.
	for i := range racers {
		al := events.Allocation{AllocationID: fmt.Sprintf("alloc_race_%02d", i), Version: 1, Status: "proposed", Quantity: each,
			Item: c.Item, SourceKind: domain.SourceKind, SourceID: c.ID, SourceOrgID: c.ManufacturerID}
		if err := a.ApplyAllocation(ctx, al); err != nil {
			t.Fatal(err)
		}
	}
	if log.n.Load() != 15 {
		t.Errorf("a redelivery was reported as a new breach: %d", log.n.Load())
	}
}

func ptrOf[T any](v T) *T { return &v }
