package app_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/matcher/app"
	"github.com/aidflow/aidflow/services/matcher/domain"
	"github.com/aidflow/aidflow/shared/apperr"
)

// redirectMarket: n1 (h1, normal, 100 masks) holds cap1's 100 units from
// m1; n2 (h2, critical) arrives after cap1 is spent and lacks 300; nk
// accepts only KN95; the donation don1 is directed to h1 and serves nd.
func redirectMarket(t *testing.T) (*fixture, domain.Allocation) {
	f := newFixture(t)
	f.need("n1", "h1", "n95-respirator", 100, "normal")
	f.capacity("cap1", "m1", "n95-respirator", 100, 1)
	from := f.only()
	f.need("n2", "h2", "n95-respirator", 300, "critical")
	f.need("small", "h3", "n95-respirator", 40, "critical")
	f.must(f.app.NeedPosted(f.ctx, f.trigger(), events.NeedPosted{NeedID: "nk", HospitalID: "h4", Item: "n95-respirator", Quantity: 500,
		Urgency: "high", NeededBy: "2026-03-08", Region: "420100", AcceptedStandards: []string{"GB 2626"}}))
	f.need("nv", "h2", "ventilator", 5, "critical")
	f.need("nd", "h1", "protective-suit", 10, "high")
	f.need("nd2", "h2", "protective-suit", 10, "high")
	f.must(f.app.DonationPledged(f.ctx, f.trigger(), events.DonationPledged{DonationID: "don1", DonorID: "d1", Region: "110000",
		DirectedHospitalID: "h1", Lines: []events.DonationLine{{OfferID: "don1/0", Item: "protective-suit", Quantity: 10}}}))
	f.need("gone", "h5", "n95-respirator", 100, "high")
	f.must(f.app.NeedStatusChanged(f.ctx, f.trigger(), events.NeedCancelledType, events.NeedChanged{NeedID: "gone"}))
	f.need("asleep", "h5", "n95-respirator", 100, "high")
	f.must(f.app.NeedStatusChanged(f.ctx, f.trigger(), events.NeedStaleType, events.NeedChanged{NeedID: "asleep"}))
	return f, from
}

func TestRedirectMovesTheUnshippedUnits(t *testing.T) {
	f, from := redirectMarket(t)
	_, err := f.app.AcceptAllocation(f.ctx, m1, from.ID)
	f.must(err)
	_, err = f.app.DispatchAllocation(f.ctx, m1, from.ID, domain.DispatchInput{ShippedQuantity: 40})
	f.must(err)
	eventsBefore := len(f.repo.Events())

	to, err := f.app.RedirectAllocation(f.ctx, reg, from.ID, app.RedirectInput{NeedID: "n2", Reason: " n2 is a designated hospital out of stock "})
	f.must(err)
	if to.NeedID != "n2" || to.HospitalID != "h2" || to.Quantity != 60 || to.SourceID != "cap1" || to.Status != domain.StatusProposed ||
		to.DecidedBy != "regulator:reg1" || to.Reason != "n2 is a designated hospital out of stock" || to.RedirectedFrom != from.ID {
		t.Fatalf("new allocation %+v", to)
	}
	old := get(f, from.ID)
	dispatched := old
	dispatched.Version-- // the version redirected
	if to.ID != domain.RedirectID(dispatched) || old.Version != 4 {
		t.Fatalf("new allocation %s, want %s; old at version %d", to.ID, domain.RedirectID(dispatched), old.Version)
	}
	if old.Status != domain.StatusCancelled || old.StatusReason != to.Reason || old.StatusBy != "regulator:reg1" || old.RedirectedTo != to.ID ||
		old.ShippedQuantity != 40 || old.Committed() != 40 {
		t.Fatalf("redirected allocation %+v", old)
	}
	// n1 keeps the 40 on their way and lacks 60 again; n2 lacks 60 fewer;
	// the source holds the same units for another hospital.
	if f.app.Book.NeedRemaining("n1") != 60 || f.app.Book.NeedRemaining("n2") != 240 || f.app.Book.OfferRemaining("cap1") != 0 {
		t.Fatalf("n1 lacks %d, n2 %d, cap1 has %d", f.app.Book.NeedRemaining("n1"), f.app.Book.NeedRemaining("n2"), f.app.Book.OfferRemaining("cap1"))
	}
	// One action, announced as the cancellation then the new allocation
	// (released before reserved again), each naming the other; the old
	// allocation's last event is its state.
	evs := f.repo.Events()[eventsBefore:]
	if len(evs) != 2 || evs[0].Type != events.AllocationCancelledType || evs[1].Type != events.AllocationProposedType {
		t.Fatalf("events %+v", evs)
	}
	var made, cancelled events.Allocation
	f.must(evs[1].Decode(&made))
	f.must(evs[0].Decode(&cancelled))
	stored := old.Snapshot()
	stored.Partition, stored.Applied = cancelled.Partition, cancelled.Applied // the writer is announced, not stored
	if !reflect.DeepEqual(cancelled, stored) {
		t.Fatalf("announced %+v, stored %+v", cancelled, stored)
	}
	if made.RedirectedFrom != from.ID || made.DecidedBy != "regulator:reg1" || made.ExpiresAt == "" || cancelled.RedirectedTo != to.ID || cancelled.StatusBy != "regulator:reg1" ||
		cancelled.StatusReason != made.Reason {
		t.Fatalf("events carry %+v and %+v", made, cancelled)
	}
	// The rest of the lifecycle goes on as for any allocation.
	if _, err := f.app.AcceptAllocation(f.ctx, m1, to.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.RedirectAllocation(f.ctx, reg, from.ID, app.RedirectInput{NeedID: "small", Reason: "again"}); !errors.Is(err, app.ErrCannotRedirect) ||
		!strings.Contains(err.Error(), "redirected to "+to.ID) {
		t.Fatalf("redirecting a redirected allocation: %v", err)
	}
}

func get(f *fixture, id string) domain.Allocation {
	f.t.Helper()
	a, err := f.app.GetAllocation(f.ctx, reg, id)
	f.must(err)
	return a
}

func TestRedirectRefusals(t *testing.T) {
	tests := []struct {
		name   string
		setup  func(f *fixture, from domain.Allocation) string // the allocation to redirect
		actor  app.Actor
		in     app.RedirectInput
		want   error
		code   apperr.Code
		field  string
		detail string
	}{
		{name: "not a regulator", actor: h2, in: app.RedirectInput{NeedID: "n2", Reason: "r"}, want: domain.ErrAllocationNotFound},
		{name: "the source itself", actor: m1, in: app.RedirectInput{NeedID: "n2", Reason: "r"}, want: domain.ErrAllocationNotFound},
		{name: "no reason", actor: reg, in: app.RedirectInput{NeedID: "n2"}, code: apperr.Unprocessable, field: "reason"},
		{name: "no need", actor: reg, in: app.RedirectInput{Reason: "r"}, code: apperr.Unprocessable, field: "need_id"},
		{name: "unknown need", actor: reg, in: app.RedirectInput{NeedID: "n9", Reason: "r"}, code: apperr.Unprocessable, field: "need_id", detail: "no need"},
		{name: "its own need", actor: reg, in: app.RedirectInput{NeedID: "n1", Reason: "r"}, code: apperr.Unprocessable, field: "need_id", detail: "already serves"},
		{name: "another item", actor: reg, in: app.RedirectInput{NeedID: "nv", Reason: "r"}, code: apperr.Unprocessable, field: "need_id", detail: "ventilator"},
		{name: "standard not accepted", actor: reg, in: app.RedirectInput{NeedID: "nk", Reason: "r"}, code: apperr.Unprocessable, field: "need_id", detail: "GB 19083"},
		{name: "over-serving the target", actor: reg, in: app.RedirectInput{NeedID: "small", Reason: "r"}, code: apperr.Unprocessable, field: "need_id", detail: "lacks only 40"},
		{name: "target cancelled", actor: reg, in: app.RedirectInput{NeedID: "gone", Reason: "r"}, want: app.ErrTargetNotOpen, detail: "cancelled"},
		{name: "target stale", actor: reg, in: app.RedirectInput{NeedID: "asleep", Reason: "r"}, want: app.ErrTargetNotOpen, detail: "stale"},
		{name: "direction violated", actor: reg, in: app.RedirectInput{NeedID: "nd2", Reason: "r"}, code: apperr.Unprocessable, field: "need_id", detail: "directed",
			setup: func(f *fixture, _ domain.Allocation) string {
				for _, a := range f.allocations() {
					if a.SourceID == "don1/0" {
						return a.ID
					}
				}
				f.t.Fatal("the directed donation was not allocated")
				return ""
			}},
		{name: "everything shipped", actor: reg, in: app.RedirectInput{NeedID: "n2", Reason: "r"}, want: app.ErrNothingToRedirect,
			setup: func(f *fixture, from domain.Allocation) string {
				_, err := f.app.AcceptAllocation(f.ctx, m1, from.ID)
				f.must(err)
				_, err = f.app.DispatchAllocation(f.ctx, m1, from.ID, domain.DispatchInput{ShippedQuantity: 100})
				f.must(err)
				return from.ID
			}},
		{name: "delivered", actor: reg, in: app.RedirectInput{NeedID: "n2", Reason: "r"}, want: app.ErrCannotRedirect, detail: "delivered",
			setup: func(f *fixture, from domain.Allocation) string {
				_, err := f.app.AcceptAllocation(f.ctx, m1, from.ID)
				f.must(err)
				_, err = f.app.DispatchAllocation(f.ctx, m1, from.ID, domain.DispatchInput{ShippedQuantity: 100})
				f.must(err)
				_, err = f.app.ReceiveAllocation(f.ctx, h1, from.ID, domain.ReceiptInput{ReceivedQuantity: 100})
				f.must(err)
				return from.ID
			}},
		{name: "declined", actor: reg, in: app.RedirectInput{NeedID: "n2", Reason: "r"}, want: app.ErrCannotRedirect, detail: "declined",
			setup: func(f *fixture, from domain.Allocation) string {
				_, err := f.app.DeclineAllocation(f.ctx, m1, from.ID, "no stock")
				f.must(err)
				return from.ID
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, from := redirectMarket(t)
			id := from.ID
			if tt.setup != nil {
				id = tt.setup(f, from)
			}
			before, _ := f.app.GetAllocation(f.ctx, reg, id)
			count, evs := len(f.allocations()), len(f.repo.Events())
			_, err := f.app.RedirectAllocation(f.ctx, tt.actor, id, tt.in)
			switch {
			case err == nil:
				t.Fatal("accepted")
			case tt.want != nil && !errors.Is(err, tt.want):
				t.Fatalf("err %v, want %v", err, tt.want)
			case tt.code != "" && apperr.CodeOf(err) != tt.code:
				t.Fatalf("err %v (%s), want %s", err, apperr.CodeOf(err), tt.code)
			case tt.detail != "" && !strings.Contains(err.Error()+fieldMessages(err), tt.detail):
				t.Fatalf("err %v%s does not say %q", err, fieldMessages(err), tt.detail)
			}
			if tt.field != "" && !strings.Contains(fieldMessages(err), tt.field+":") {
				t.Fatalf("err %v%s does not name %s", err, fieldMessages(err), tt.field)
			}
			after, _ := f.app.GetAllocation(f.ctx, reg, id)
			if len(f.allocations()) != count || len(f.repo.Events()) != evs || after.Version != before.Version {
				t.Fatal("a refused redirect changed something")
			}
		})
	}
}

func fieldMessages(err error) string {
	var s string
	if ae := apperr.As(err); ae != nil {
		for _, f := range ae.Fields {
			s += " " + f.Field + ": " + f.Message
		}
	}
	return s
}

// TestRedirectStoppedBetweenItsWrites: a crash after the new allocation
// is stored and before the old one is cancelled leaves the units counted
// twice, never freed; the next change after a restart finishes the
// redirect first, and the result is the uninterrupted one.
func TestRedirectStoppedBetweenItsWrites(t *testing.T) {
	clean, from := redirectMarket(t)
	_, err := clean.app.RedirectAllocation(clean.ctx, reg, from.ID, app.RedirectInput{NeedID: "n2", Reason: "to the designated hospital"})
	clean.must(err)

	f, from := redirectMarket(t)
	crash := errors.New("process killed")
	f.repo.BeforeUpdate = func(a domain.Allocation) error {
		if a.ID == from.ID {
			return crash
		}
		return nil
	}
	if _, err := f.app.RedirectAllocation(f.ctx, reg, from.ID, app.RedirectInput{NeedID: "n2", Reason: "to the designated hospital"}); !errors.Is(err, crash) {
		t.Fatalf("redirect: %v", err)
	}
	f.repo.BeforeUpdate = nil
	f.app = f.open()
	// Half written: both allocations hold the units; nothing was freed.
	if f.app.Book.NeedRemaining("n1") != 0 || f.app.Book.NeedRemaining("n2") != 200 || f.app.Book.OfferRemaining("cap1") != -100 {
		t.Fatalf("half-written: n1 lacks %d, n2 %d, cap1 has %d", f.app.Book.NeedRemaining("n1"), f.app.Book.NeedRemaining("n2"), f.app.Book.OfferRemaining("cap1"))
	}
	// Any change finishes it first: here a capacity report for the item.
	f.capacity("cap2", "m2", "n95-respirator", 20, 1)
	clean.capacity("cap2", "m2", "n95-respirator", 20, 1)
	got, want := f.allocations(), clean.allocations()
	if len(got) != len(want) {
		t.Fatalf("%d allocations after the crash, %d without", len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.ID != w.ID || g.NeedID != w.NeedID || g.SourceID != w.SourceID || g.Quantity != w.Quantity || g.Status != w.Status ||
			g.RedirectedFrom != w.RedirectedFrom || g.RedirectedTo != w.RedirectedTo || g.StatusBy != w.StatusBy || g.StatusReason != w.StatusReason {
			t.Fatalf("after the crash\n%+v\nwithout\n%+v", g, w)
		}
	}
	if f.app.Book.OfferRemaining("cap1") != 0 {
		t.Fatalf("cap1 has %d after the redirect was finished", f.app.Book.OfferRemaining("cap1"))
	}
	announced := 0
	for _, e := range f.repo.Events() {
		if e.Type == events.AllocationCancelledType && e.Subject == from.ID {
			announced++
		}
	}
	if announced != 1 {
		t.Fatalf("the cancellation was announced %d times", announced)
	}
	// A retry of the same redirect finds it done.
	if _, err := f.app.RedirectAllocation(f.ctx, reg, from.ID, app.RedirectInput{NeedID: "n2", Reason: "to the designated hospital"}); !errors.Is(err, app.ErrCannotRedirect) {
		t.Fatalf("retry: %v", err)
	}
}
