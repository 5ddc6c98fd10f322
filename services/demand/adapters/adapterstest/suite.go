// Package adapterstest is the repository suite every domain.Repository
// implementation passes, so the in-memory fake cannot drift from Mongo.
package adapterstest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/demand/domain"
	"github.com/aidflow/aidflow/shared/apperr"
	"github.com/aidflow/aidflow/shared/daily"
)

// RunRepositorySuite checks a repository made fresh by newRepo for each test.
func RunRepositorySuite(t *testing.T, newRepo func(t *testing.T) domain.Repository) {
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Millisecond)

	t.Run("create then get returns the need as stored", func(t *testing.T) {
		r := newRepo(t)
		n := mk(t, now, "private note")
		n.Revision = 1
		if err := r.Create(ctx, n, posted(n)); err != nil {
			t.Fatal(err)
		}
		got, err := r.Get(ctx, n.ID)
		if err != nil {
			t.Fatal(err)
		}
		same(t, got, n)
		if err := r.Create(ctx, n); !errors.Is(err, domain.ErrNeedExists) {
			t.Errorf("second create: %v", err)
		}
	})

	t.Run("get unknown", func(t *testing.T) {
		_, err := newRepo(t).Get(ctx, "need_missing")
		if apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("err = %v", err)
		}
	})

	t.Run("update stores every change and counts revisions", func(t *testing.T) {
		r := newRepo(t)
		n := mk(t, now, "")
		if err := r.Create(ctx, n); err != nil {
			t.Fatal(err)
		}
		later := now.Add(8 * 24 * time.Hour)
		want := n.Clone()
		steps := []func(*domain.Need) error{
			func(n *domain.Need) error {
				_, err := n.ApplyAllocation(domain.Allocation{ID: "alloc_1", Version: 1, Quantity: 40, Status: "dispatched",
					SourceKind: "donation", Shipped: 40, Received: 30, Damaged: 10}, n.HospitalID, n.Item, later)
				return err
			},
			func(n *domain.Need) error {
				if !n.MarkStale(later, 7*24*time.Hour) {
					return errors.New("not marked stale")
				}
				return nil
			},
			func(n *domain.Need) error { return n.Confirm(later.Add(time.Minute)) }, // clears stale_at
			func(n *domain.Need) error { return n.Cancel(later.Add(time.Hour)) },
			func(n *domain.Need) error { n.TimelineOmitted = 3; return nil }, // as if the bound dropped some
		}
		for i, step := range steps {
			got, err := r.Update(ctx, n.ID, func(n *domain.Need) ([]events.Envelope, error) {
				return []events.Envelope{changed(*n)}, step(n)
			})
			if err != nil {
				t.Fatalf("step %d: %v", i, err)
			}
			if err := step(&want); err != nil {
				t.Fatal(err)
			}
			want.Revision++
			same(t, got, want)
			read, err := r.Get(ctx, n.ID)
			if err != nil {
				t.Fatal(err)
			}
			same(t, read, want)
		}
		if want.StaleAt != nil || want.ConfirmedAt == nil || want.Status != domain.StatusCancelled || len(want.Timeline) < 5 {
			t.Fatalf("the steps did not do what the test means: %+v", want)
		}
	})

	t.Run("update writes nothing when the change fails or changes nothing", func(t *testing.T) {
		r := newRepo(t)
		n := mk(t, now, "")
		if err := r.Create(ctx, n); err != nil {
			t.Fatal(err)
		}
		boom := errors.New("boom")
		_, err := r.Update(ctx, n.ID, func(n *domain.Need) ([]events.Envelope, error) {
			n.Quantity = 1
			return nil, boom
		})
		if !errors.Is(err, boom) {
			t.Errorf("err = %v", err)
		}
		got, err := r.Update(ctx, n.ID, func(n *domain.Need) ([]events.Envelope, error) {
			n.Quantity = 2
			return nil, domain.ErrUnchanged
		})
		if err != nil {
			t.Fatal(err)
		}
		same(t, got, n)
		read, _ := r.Get(ctx, n.ID)
		same(t, read, n)
	})

	t.Run("update unknown", func(t *testing.T) {
		_, err := newRepo(t).Update(ctx, "need_missing", func(*domain.Need) ([]events.Envelope, error) {
			t.Error("change called for a missing need")
			return nil, nil
		})
		if apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("err = %v", err)
		}
	})

	t.Run("concurrent updates of one need lose nothing", func(t *testing.T) {
		r := newRepo(t)
		n := mk(t, now, "")
		if err := r.Create(ctx, n); err != nil {
			t.Fatal(err)
		}
		const writers = 16
		var wg sync.WaitGroup
		errs := make(chan error, writers)
		for i := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := r.Update(ctx, n.ID, func(n *domain.Need) ([]events.Envelope, error) {
					_, err := n.ApplyAllocation(domain.Allocation{ID: fmt.Sprintf("alloc_%02d", i), Version: 1, Quantity: 1,
						Status: "proposed", SourceKind: "capacity"}, n.HospitalID, n.Item, now)
					return nil, err
				})
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		got, err := r.Get(ctx, n.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Allocations) != writers || got.AllocatedQuantity != writers || got.Revision != writers {
			t.Errorf("allocations %d, allocated %d, revision %d; want %d each", len(got.Allocations), got.AllocatedQuantity, got.Revision, writers)
		}
	})

	t.Run("a need stored without day figures reads, and keeps its state as its first figure", func(t *testing.T) {
		r := newRepo(t)
		posted := now.AddDate(0, 0, -3)
		n := mk(t, posted, "")
		if _, err := n.ApplyAllocation(domain.Allocation{ID: "alloc_1", Version: 1, Quantity: 40, Status: "proposed", SourceKind: "capacity"},
			n.HospitalID, n.Item, posted.AddDate(0, 0, 1)); err != nil {
			t.Fatal(err)
		}
		n.Days = nil // as an earlier version stored it
		if err := r.Create(ctx, n); err != nil {
			t.Fatal(err)
		}
		got, err := r.Get(ctx, n.ID)
		if err != nil {
			t.Fatal(err)
		}
		same(t, got, n)
		stored := domain.DayFigure{Date: daily.Day(posted.AddDate(0, 0, 1)), Status: domain.StatusPartiallyAllocated, Quantity: 100, Unallocated: 60}
		if f := got.DayFigures(); !reflect.DeepEqual(f, []domain.DayFigure{stored}) {
			t.Fatalf("figures %+v, want %+v", f, stored)
		}
		got, err = r.Update(ctx, n.ID, func(n *domain.Need) ([]events.Envelope, error) { return nil, n.Cancel(now) })
		if err != nil {
			t.Fatal(err)
		}
		want := []domain.DayFigure{stored, {Date: daily.Day(now), Status: domain.StatusCancelled, Quantity: 100, Unallocated: 60}}
		if read, err := r.Get(ctx, n.ID); err != nil || !reflect.DeepEqual(read.Days, want) || !reflect.DeepEqual(got.Days, want) {
			t.Fatalf("figures after a change %+v (answered %+v), %v; want %+v", read.Days, got.Days, err, want)
		}
	})

	t.Run("all reads every need", func(t *testing.T) {
		r := newRepo(t)
		want := map[string]domain.Need{}
		for range 3 {
			n := mk(t, now, "")
			if err := r.Create(ctx, n); err != nil {
				t.Fatal(err)
			}
			want[n.ID] = n
		}
		got := map[string]domain.Need{}
		if err := r.All(ctx, func(n domain.Need) error { got[n.ID] = n; return nil }); err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Fatalf("got %d needs, want %d", len(got), len(want))
		}
		for id, n := range want {
			same(t, got[id], n)
		}
		stop := errors.New("stop")
		if err := r.All(ctx, func(domain.Need) error { return stop }); !errors.Is(err, stop) {
			t.Errorf("All does not pass on f's error: %v", err)
		}
	})
}

func mk(t *testing.T, now time.Time, note string) domain.Need {
	t.Helper()
	n, err := domain.NewNeed(domain.NewNeedInput{Item: "n95-respirator", Quantity: "100", Urgency: "critical",
		NeededBy: domain.Today(now), AcceptedStandards: []string{"GB 19083", "GB 2626"}, Note: note},
		domain.Poster{HospitalID: "org_hos", Region: "420100"}, now)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func posted(n domain.Need) events.Envelope {
	return events.MustNew("demand", events.NeedPosted{NeedID: n.ID, HospitalID: n.HospitalID, Item: n.Item, Quantity: n.Quantity,
		Urgency: n.Urgency, NeededBy: n.NeededBy, AcceptedStandards: n.AcceptedStandards, Region: n.Region},
		events.Meta{Subject: n.ID, OrgID: n.HospitalID, Item: n.Item})
}

func changed(n domain.Need) events.Envelope {
	return events.MustNew("demand", events.NeedConfirmed{NeedID: n.ID, HospitalID: n.HospitalID, Item: n.Item, Region: n.Region, Status: n.Status},
		events.Meta{Subject: n.ID, OrgID: n.HospitalID, Item: n.Item})
}

// same fails unless got and want are equal field by field, times compared
// as instants (a store may hand back another representation of one).
func same(t *testing.T, got, want domain.Need) {
	t.Helper()
	if g, w := normal(got), normal(want); !reflect.DeepEqual(g, w) {
		t.Errorf("need differs:\n got %+v\nwant %+v", g, w)
	}
}

func normal(n domain.Need) domain.Need {
	n = n.Clone()
	at := func(t time.Time) time.Time { return time.UnixMilli(t.UnixMilli()).UTC() }
	ptr := func(t *time.Time) *time.Time {
		if t == nil {
			return nil
		}
		u := at(*t)
		return &u
	}
	n.CreatedAt, n.UpdatedAt = at(n.CreatedAt), at(n.UpdatedAt)
	n.ConfirmedAt, n.CancelledAt, n.StaleAt = ptr(n.ConfirmedAt), ptr(n.CancelledAt), ptr(n.StaleAt)
	return n
}
