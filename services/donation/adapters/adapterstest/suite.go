// Package adapterstest is the repository suite every implementation of the
// donation service's repositories passes, so the in-memory fakes cannot
// drift from Mongo.
package adapterstest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/donation/domain"
	"github.com/aidflow/aidflow/shared/apperr"
	"github.com/aidflow/aidflow/shared/auth"
)

// Subject is one pair of repositories under test.
type Subject struct {
	Donations domain.Repository
	Orgs      domain.Orgs
	// Events returns the events stored with the donation id, oldest first.
	Events func(t *testing.T, id string) []events.Envelope
	// Reopen returns a repository over the same data, as after a restart.
	Reopen func(t *testing.T) domain.Repository
}

var now = time.Date(2020, 2, 3, 8, 0, 0, 0, time.UTC)

func newDonation(t *testing.T) domain.Donation {
	t.Helper()
	d, err := domain.NewDonation(domain.PledgeInput{
		Items:      []domain.LineInput{{Item: "goggles", Quantity: 100}, {Item: "surgical-mask", Quantity: 5000, Standard: "YY/T 0969"}},
		Region:     "420000",
		PublicName: "Hangzhou Rotary Club",
	}, auth.Claims{OrgID: "org_d", Role: auth.Donor, Region: "330100"}, nil, now)
	if err != nil {
		t.Fatal(err)
	}
	d.TrackingCode = domain.NewTrackingCode()
	return d
}

func snapshot(id string, version int64, status string, qty int64) events.Allocation {
	return events.Allocation{AllocationID: id, Version: version, Status: status, Item: "goggles", Quantity: qty,
		ShippedQuantity: qty, ReceivedQuantity: qty, HospitalID: "org_h", HospitalRegion: "420100", SourceKind: "donation",
		SourceOrgID: "org_d", CreatedAt: "2020-02-03T09:00:00.123Z", UpdatedAt: "2020-02-04T10:00:00Z"}
}

func apply(r domain.Repository, id string, a events.Allocation) (domain.Donation, error) {
	return r.Update(context.Background(), id, func(d *domain.Donation) ([]events.Envelope, error) {
		changed, err := d.ApplyAllocation(a, 0, now)
		if err != nil {
			return nil, err
		}
		if !changed {
			return nil, domain.ErrNoChange
		}
		return nil, nil
	})
}

// RunRepositorySuite checks repositories made fresh by open for each test.
func RunRepositorySuite(t *testing.T, open func(t *testing.T) Subject) {
	ctx := context.Background()

	t.Run("create then get, with the event", func(t *testing.T) {
		s := open(t)
		d := newDonation(t)
		if err := s.Donations.Create(ctx, d, d.Event("donation")); err != nil {
			t.Fatal(err)
		}
		got, err := s.Donations.Get(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got) != fmt.Sprint(d) {
			t.Errorf("got  %+v\nwant %+v", got, d)
		}
		if evs := s.Events(t, d.ID); len(evs) != 1 || evs[0].Type != events.DonationPledgedType {
			t.Errorf("events %+v", evs)
		}
		if err := s.Donations.Create(ctx, d); !errors.Is(err, domain.ErrExists) {
			t.Errorf("second create: %v", err)
		}
	})
	t.Run("tracking codes are unique and point at their donation", func(t *testing.T) {
		s := open(t)
		code := domain.NewTrackingCode()
		if err := s.Donations.ReserveCode(ctx, code, "don_1"); err != nil {
			t.Fatal(err)
		}
		if err := s.Donations.ReserveCode(ctx, code, "don_2"); !errors.Is(err, domain.ErrCodeTaken) {
			t.Errorf("second reservation: %v", err)
		}
		if id, err := s.Donations.DonationOfCode(ctx, code); err != nil || id != "don_1" {
			t.Errorf("DonationOfCode = %q, %v", id, err)
		}
		if _, err := s.Donations.DonationOfCode(ctx, domain.NewTrackingCode()); !errors.Is(err, domain.ErrCodeNotFound) {
			t.Errorf("unknown code: %v", err)
		}
	})
	t.Run("get and update unknown", func(t *testing.T) {
		s := open(t)
		if _, err := s.Donations.Get(ctx, "don_missing"); !errors.Is(err, domain.ErrDonationNotFound) {
			t.Errorf("get: %v", err)
		}
		if _, err := apply(s.Donations, "don_missing", snapshot("a1", 1, "proposed", 1)); !errors.Is(err, domain.ErrDonationNotFound) {
			t.Errorf("update: %v", err)
		}
	})
	t.Run("allocations are kept, newer versions only", func(t *testing.T) {
		s := open(t)
		d := newDonation(t)
		if err := s.Donations.Create(ctx, d); err != nil {
			t.Fatal(err)
		}
		for _, a := range []events.Allocation{snapshot("a1", 1, "proposed", 40), snapshot("a1", 3, "dispatched", 40), snapshot("a1", 2, "accepted", 40)} {
			if _, err := apply(s.Donations, d.ID, a); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.Donations.Get(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		a := got.Allocations["a1"]
		if a.Version != 3 || a.Status != "dispatched" || a.Shipped != 40 || a.HospitalID != "org_h" || a.ID != "a1" ||
			a.AllocatedAt.Format(time.RFC3339Nano) != "2020-02-03T09:00:00.123Z" || a.DispatchedAt == nil ||
			a.DispatchedAt.Format(time.RFC3339) != "2020-02-04T10:00:00Z" || a.DeliveredAt != nil {
			t.Errorf("allocation %+v", a)
		}
		if _, err := apply(s.Donations, d.ID, events.Allocation{AllocationID: "a2", Item: "ventilator", SourceOrgID: "org_d", Version: 1}); !errors.Is(err, domain.ErrAllocationMismatch) {
			t.Errorf("mismatched snapshot: %v", err)
		}
		if apperr.CodeOf(domain.ErrAllocationMismatch) != apperr.Unprocessable {
			t.Error("a mismatch is the sender's fault")
		}
		if n := len(s.Events(t, d.ID)); n != 0 {
			t.Errorf("allocations publish nothing: %d events", n)
		}
	})
	t.Run("directed gifts come due for the overdue sweep", func(t *testing.T) {
		s := open(t)
		directed := newDonation(t)
		later := newDonation(t)
		later.CreatedAt = now.Add(24 * time.Hour)
		undirected := newDonation(t)
		undirected.DirectedRegion = ""
		delivered := newDonation(t)
		delivered.Lines = delivered.Lines[:1]
		for _, d := range []domain.Donation{directed, later, undirected, delivered} {
			if err := s.Donations.Create(ctx, d); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := apply(s.Donations, delivered.ID, snapshot("a1", 1, "delivered", 100)); err != nil {
			t.Fatal(err)
		}
		due := func(r domain.Repository, at time.Time) string {
			t.Helper()
			ids, err := r.DueDirected(ctx, at)
			if err != nil {
				t.Fatal(err)
			}
			return fmt.Sprint(ids)
		}
		both := fmt.Sprint(slices.Sorted(slices.Values([]string{directed.ID, later.ID})))
		for at, want := range map[time.Time]string{
			now.Add(domain.DirectedDeadline - time.Millisecond): "[]",
			now.Add(domain.DirectedDeadline):                    "[" + directed.ID + "]",
			now.Add(domain.DirectedDeadline + 24*time.Hour):     both,
		} {
			if got := due(s.Donations, at); got != want {
				t.Errorf("due at %s: %s, want %s", at, got, want)
			}
		}
		flagAt := now.Add(domain.DirectedDeadline + time.Hour)
		got, err := s.Donations.Update(ctx, directed.ID, func(d *domain.Donation) ([]events.Envelope, error) {
			ev, ok := d.FlagOverdue(flagAt, "donation")
			if !ok {
				return nil, domain.ErrNoChange
			}
			return []events.Envelope{ev}, nil
		})
		if err != nil || got.OverdueAt == nil {
			t.Fatalf("flag: %+v %v", got, err)
		}
		stored, _ := s.Donations.Get(ctx, directed.ID)
		if stored.OverdueAt == nil || !stored.OverdueAt.Equal(flagAt) {
			t.Errorf("stored flag %v", stored.OverdueAt)
		}
		if evs := s.Events(t, directed.ID); len(evs) != 1 || evs[0].Type != events.DirectedGiftOverdueType {
			t.Errorf("events %+v", evs)
		}
		for _, r := range []domain.Repository{s.Donations, s.Reopen(t)} {
			if got := due(r, flagAt.Add(24*time.Hour)); got != "["+later.ID+"]" {
				t.Errorf("after flagging: %s, want only %s", got, later.ID)
			}
		}
	})
	t.Run("concurrent allocations all count", func(t *testing.T) {
		s := open(t)
		d := newDonation(t)
		if err := s.Donations.Create(ctx, d); err != nil {
			t.Fatal(err)
		}
		const n = 12
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := apply(s.Donations, d.ID, snapshot(fmt.Sprintf("a%02d", i), 1, "proposed", 5)); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		got, _ := s.Donations.Get(ctx, d.ID)
		if p := got.Progress(); len(got.Allocations) != n || p[0].Allocated != n*5 {
			t.Errorf("%d allocations, progress %+v", len(got.Allocations), p)
		}
	})
	t.Run("organizations", func(t *testing.T) {
		s := open(t)
		o := domain.Org{ID: "org_h", Name: "Wuhan Jinyintan Hospital", Role: "hospital", Region: "420100"}
		for range 2 { // a redelivered announcement is harmless
			if err := s.Orgs.Put(ctx, o); err != nil {
				t.Fatal(err)
			}
		}
		if got, err := s.Orgs.Get(ctx, "org_h"); err != nil || got != o {
			t.Errorf("got %+v, %v", got, err)
		}
		if _, err := s.Orgs.Get(ctx, "org_x"); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("unknown: %v", err)
		}
	})
}
