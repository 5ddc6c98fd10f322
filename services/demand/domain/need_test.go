package domain_test

import (
	"errors"
	"testing"
	"time"

	"github.com/aidflow/aidflow/services/demand/domain"
	"github.com/aidflow/aidflow/shared/apperr"
	"github.com/aidflow/aidflow/shared/auth"
)

const week = 7 * 24 * time.Hour

// newNeed is an open need of 100 n95-respirators posted at now.
func newNeed(t *testing.T) domain.Need {
	t.Helper()
	in := validInput()
	in.Quantity = "100"
	n, err := domain.NewNeed(in, poster, now)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func alloc(id string, version, qty int64, status string, shipped, received, damaged int64) domain.Allocation {
	return domain.Allocation{ID: id, Version: version, Quantity: qty, Status: status, SourceKind: "capacity",
		Shipped: shipped, Received: received, Damaged: damaged}
}

func apply(t *testing.T, n *domain.Need, as ...domain.Allocation) {
	t.Helper()
	for _, a := range as {
		if _, err := n.ApplyAllocation(a, n.HospitalID, n.Item, now); err != nil {
			t.Fatal(err)
		}
	}
}

func TestStatusFollowsAllocations(t *testing.T) {
	tests := []struct {
		name                             string
		allocs                           []domain.Allocation
		stale                            bool
		status                           string
		allocated, dispatched, delivered int64
	}{
		{"none", nil, false, domain.StatusOpen, 0, 0, 0},
		{"part proposed", []domain.Allocation{alloc("a1", 1, 40, "proposed", 0, 0, 0)}, false, domain.StatusPartiallyAllocated, 40, 0, 0},
		{"all proposed in two", []domain.Allocation{alloc("a1", 1, 40, "proposed", 0, 0, 0), alloc("a2", 1, 60, "accepted", 0, 0, 0)}, false, domain.StatusAllocated, 100, 0, 0},
		{"declined gives units back", []domain.Allocation{alloc("a1", 1, 100, "proposed", 0, 0, 0), alloc("a1", 2, 100, "declined", 0, 0, 0)}, false, domain.StatusOpen, 0, 0, 0},
		{"expired and cancelled give units back", []domain.Allocation{alloc("a1", 1, 30, "expired", 0, 0, 0), alloc("a2", 1, 30, "cancelled", 0, 0, 0), alloc("a3", 1, 40, "accepted", 0, 0, 0)},
			false, domain.StatusPartiallyAllocated, 40, 0, 0},
		{"dispatched", []domain.Allocation{alloc("a1", 3, 100, "dispatched", 100, 0, 0)}, false, domain.StatusAllocated, 100, 100, 0},
		{"delivered in full", []domain.Allocation{alloc("a1", 4, 100, "delivered", 100, 100, 0)}, false, domain.StatusFulfilled, 100, 100, 100},
		// Damaged units served nobody: the matcher allocates them again, so
		// they are neither delivered nor counted as allocated.
		{"damaged units are not delivered", []domain.Allocation{alloc("a1", 4, 100, "delivered", 100, 90, 10)}, false, domain.StatusPartiallyAllocated, 90, 100, 90},
		{"damaged units replaced", []domain.Allocation{alloc("a1", 4, 100, "delivered", 100, 90, 10), alloc("a2", 4, 10, "delivered", 10, 10, 0)}, false, domain.StatusFulfilled, 100, 110, 100},
		{"over-delivered is fulfilled", []domain.Allocation{alloc("a1", 4, 60, "delivered", 60, 60, 0), alloc("a2", 4, 60, "delivered", 60, 60, 0)}, false, domain.StatusFulfilled, 120, 120, 120},
		{"stale and unallocated", nil, true, domain.StatusStale, 0, 0, 0},
		{"stale beats partially allocated", []domain.Allocation{alloc("a1", 1, 40, "proposed", 0, 0, 0)}, true, domain.StatusStale, 40, 0, 0},
		{"allocated beats stale", []domain.Allocation{alloc("a1", 1, 100, "proposed", 0, 0, 0)}, true, domain.StatusAllocated, 100, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := newNeed(t)
			if tt.stale && !n.MarkStale(now.Add(week), week) {
				t.Fatal("not marked stale")
			}
			apply(t, &n, tt.allocs...)
			if n.Status != tt.status || n.AllocatedQuantity != tt.allocated || n.DispatchedQuantity != tt.dispatched || n.DeliveredQuantity != tt.delivered {
				t.Errorf("status %s allocated %d dispatched %d delivered %d; want %s %d %d %d",
					n.Status, n.AllocatedQuantity, n.DispatchedQuantity, n.DeliveredQuantity, tt.status, tt.allocated, tt.dispatched, tt.delivered)
			}
		})
	}
}

func TestApplyAllocationIsIdempotentByVersion(t *testing.T) {
	n := newNeed(t)
	apply(t, &n, alloc("a1", 2, 100, "accepted", 0, 0, 0))
	for _, old := range []domain.Allocation{
		alloc("a1", 2, 100, "accepted", 0, 0, 0), // the same event again
		alloc("a1", 1, 100, "proposed", 0, 0, 0), // an older one, late
	} {
		applied, err := n.ApplyAllocation(old, n.HospitalID, n.Item, now)
		if err != nil || applied {
			t.Errorf("version %d applied=%v err=%v; want ignored", old.Version, applied, err)
		}
	}
	if len(n.Allocations) != 1 || n.Allocations[0].Status != "accepted" || n.Status != domain.StatusAllocated {
		t.Errorf("need = %+v", n)
	}
	applied, err := n.ApplyAllocation(alloc("a1", 3, 100, "declined", 0, 0, 0), n.HospitalID, n.Item, now)
	if err != nil || !applied || n.Status != domain.StatusOpen {
		t.Errorf("newer version: applied=%v err=%v status=%s", applied, err, n.Status)
	}
}

func TestApplyAllocationRefusesAnotherNeedsAllocation(t *testing.T) {
	n := newNeed(t)
	for _, tt := range []struct{ hospital, item string }{{"org_other", n.Item}, {n.HospitalID, "surgical-mask"}} {
		if _, err := n.ApplyAllocation(alloc("a1", 1, 10, "proposed", 0, 0, 0), tt.hospital, tt.item, now); !errors.Is(err, domain.ErrAllocationMismatch) {
			t.Errorf("%+v: err = %v", tt, err)
		}
	}
	if len(n.Allocations) != 0 {
		t.Error("a refused allocation was kept")
	}
}

func TestCancel(t *testing.T) {
	later := now.Add(time.Hour)
	tests := []struct {
		name    string
		prepare func(*testing.T, *domain.Need)
		err     error
	}{
		{"open", func(*testing.T, *domain.Need) {}, nil},
		{"partially allocated", func(t *testing.T, n *domain.Need) { apply(t, n, alloc("a1", 1, 10, "proposed", 0, 0, 0)) }, nil},
		{"stale", func(t *testing.T, n *domain.Need) { n.MarkStale(now.Add(week), week) }, nil},
		{"already cancelled", func(t *testing.T, n *domain.Need) { _ = n.Cancel(now) }, domain.ErrNeedAlreadyCancelled},
		{"fulfilled", func(t *testing.T, n *domain.Need) { apply(t, n, alloc("a1", 1, 100, "delivered", 100, 100, 0)) }, domain.ErrNeedFulfilled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := newNeed(t)
			tt.prepare(t, &n)
			before := n.Clone()
			err := n.Cancel(later)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if err != nil {
				if apperr.CodeOf(err) != apperr.Conflict || n.Status != before.Status || !n.UpdatedAt.Equal(before.UpdatedAt) {
					t.Errorf("refused cancel changed the need or is not a conflict: %v %+v", err, n)
				}
				return
			}
			if n.Status != domain.StatusCancelled || !n.CancelledAt.Equal(later) || !n.UpdatedAt.Equal(later) {
				t.Errorf("need = %+v", n)
			}
		})
	}
}

func TestCancelledIsSticky(t *testing.T) {
	n := newNeed(t)
	apply(t, &n, alloc("a1", 1, 100, "accepted", 0, 0, 0))
	if err := n.Cancel(now); err != nil {
		t.Fatal(err)
	}
	// Units already allocated are still shipped and received; the need
	// counts them and stays cancelled.
	apply(t, &n, alloc("a1", 2, 100, "delivered", 100, 100, 0))
	if n.Status != domain.StatusCancelled || n.DeliveredQuantity != 100 {
		t.Errorf("status %s delivered %d", n.Status, n.DeliveredQuantity)
	}
}

func TestConfirm(t *testing.T) {
	later := now.Add(8 * 24 * time.Hour)
	tests := []struct {
		name    string
		prepare func(*testing.T, *domain.Need)
		err     error
		status  string
	}{
		{"open", func(*testing.T, *domain.Need) {}, nil, domain.StatusOpen},
		{"stale goes back to open", func(t *testing.T, n *domain.Need) { n.MarkStale(now.Add(week), week) }, nil, domain.StatusOpen},
		{"stale goes back to partially allocated", func(t *testing.T, n *domain.Need) {
			n.MarkStale(now.Add(week), week)
			apply(t, n, alloc("a1", 1, 10, "proposed", 0, 0, 0))
		}, nil, domain.StatusPartiallyAllocated},
		{"allocated", func(t *testing.T, n *domain.Need) { apply(t, n, alloc("a1", 1, 100, "proposed", 0, 0, 0)) }, nil, domain.StatusAllocated},
		{"cancelled", func(t *testing.T, n *domain.Need) { _ = n.Cancel(now) }, domain.ErrNeedCancelledConfirm, domain.StatusCancelled},
		{"fulfilled", func(t *testing.T, n *domain.Need) { apply(t, n, alloc("a1", 1, 100, "delivered", 100, 100, 0)) }, domain.ErrNeedFulfilled, domain.StatusFulfilled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := newNeed(t)
			tt.prepare(t, &n)
			err := n.Confirm(later)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if n.Status != tt.status {
				t.Errorf("status = %s, want %s", n.Status, tt.status)
			}
			if err == nil && (!n.ConfirmedAt.Equal(later) || n.StaleAt != nil || !n.LastConfirmed().Equal(later)) {
				t.Errorf("confirm did not restart the clock: %+v", n)
			}
		})
	}
}

func TestStaleRule(t *testing.T) {
	tests := []struct {
		name    string
		prepare func(*testing.T, *domain.Need)
		at      time.Time
		due     bool
	}{
		{"open, a moment short of the limit", func(*testing.T, *domain.Need) {}, now.Add(week - time.Millisecond), false},
		{"open, at the limit", func(*testing.T, *domain.Need) {}, now.Add(week), true},
		{"partially allocated", func(t *testing.T, n *domain.Need) { apply(t, n, alloc("a1", 1, 10, "proposed", 0, 0, 0)) }, now.Add(week), true},
		{"allocated is being served", func(t *testing.T, n *domain.Need) { apply(t, n, alloc("a1", 1, 100, "proposed", 0, 0, 0)) }, now.Add(week), false},
		{"cancelled", func(t *testing.T, n *domain.Need) { _ = n.Cancel(now) }, now.Add(week), false},
		{"confirmed since posting", func(t *testing.T, n *domain.Need) { _ = n.Confirm(now.Add(3 * 24 * time.Hour)) }, now.Add(week), false},
		{"confirmed long ago", func(t *testing.T, n *domain.Need) { _ = n.Confirm(now.Add(time.Hour)) }, now.Add(week + time.Hour), true},
		{"already stale", func(t *testing.T, n *domain.Need) { n.MarkStale(now.Add(week), week) }, now.Add(2 * week), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := newNeed(t)
			tt.prepare(t, &n)
			if got := n.DueStale(tt.at, week); got != tt.due {
				t.Errorf("DueStale = %v, want %v", got, tt.due)
			}
			status := n.Status
			if marked := n.MarkStale(tt.at, week); marked != tt.due {
				t.Errorf("MarkStale = %v, want %v", marked, tt.due)
			}
			switch {
			case tt.due && (n.Status != domain.StatusStale || !n.StaleAt.Equal(tt.at)):
				t.Errorf("marked need = %+v", n)
			case !tt.due && n.Status != status:
				t.Errorf("status changed from %s to %s", status, n.Status)
			}
		})
	}
}

func TestCanRead(t *testing.T) {
	n := newNeed(t)
	tests := []struct {
		v    domain.Viewer
		want bool
	}{
		{domain.Viewer{OrgID: n.HospitalID, Role: auth.Hospital}, true},
		{domain.Viewer{OrgID: "org_reg", Role: auth.Regulator}, true},
		{domain.Viewer{OrgID: "org_other", Role: auth.Hospital}, false},
		{domain.Viewer{OrgID: n.HospitalID, Role: auth.Manufacturer}, false},
		{domain.Viewer{OrgID: "org_don", Role: auth.Donor}, false},
		{domain.Viewer{OrgID: "operator", Role: auth.Operator}, false},
	}
	for _, tt := range tests {
		if got := n.CanRead(tt.v); got != tt.want {
			t.Errorf("CanRead(%+v) = %v, want %v", tt.v, got, tt.want)
		}
	}
}

func TestCloneIsDeep(t *testing.T) {
	n := newNeed(t)
	apply(t, &n, alloc("a1", 1, 10, "proposed", 0, 0, 0))
	_ = n.Confirm(now)
	c := n.Clone()
	c.Allocations[0].Quantity = 99
	c.AcceptedStandards[0] = "x"
	*c.ConfirmedAt = c.ConfirmedAt.Add(time.Hour)
	c.Days[0].Quantity = 99
	if n.Allocations[0].Quantity != 10 || n.AcceptedStandards[0] != "GB 19083" || !n.ConfirmedAt.Equal(now) || n.Days[0].Quantity != 100 {
		t.Error("a clone shares memory with the original")
	}
}
