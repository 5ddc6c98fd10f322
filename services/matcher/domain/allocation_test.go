package domain_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/matcher/domain"
	"github.com/aidflow/aidflow/services/matcher/domain/policy"
	"github.com/aidflow/aidflow/shared/apperr"
)

var t0 = time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)

func alloc(status string, qty, shipped, received int64) domain.Allocation {
	return domain.Allocation{ID: "alloc_1", Version: 3, NeedID: "n1", HospitalID: "h1", Item: "ventilator", Quantity: qty,
		SourceKind: policy.KindCapacity, SourceID: "cap1", SourceOrgID: "m1", Status: status,
		ShippedQuantity: shipped, ReceivedQuantity: received, CreatedAt: t0, UpdatedAt: t0}
}

// TestLifecycle is the allocation's state machine: each operation from
// each status, what it becomes, or the error it gives.
func TestLifecycle(t *testing.T) {
	accept := func(a *domain.Allocation) (string, error) { return a.Accept(t0) }
	decline := func(a *domain.Allocation) (string, error) { return a.Decline("no stock after all", t0) }
	dispatch := func(q int64) func(a *domain.Allocation) (string, error) {
		return func(a *domain.Allocation) (string, error) {
			return a.Dispatch(domain.DispatchInput{ShippedQuantity: q, Carrier: "SF Express", TrackingNumber: "SF1"}, "r1", t0)
		}
	}
	receive := func(r, d int64) func(a *domain.Allocation) (string, error) {
		return func(a *domain.Allocation) (string, error) {
			return a.Receive(domain.ReceiptInput{ReceivedQuantity: r, DamagedQuantity: d}, t0)
		}
	}
	cancel := func(a *domain.Allocation) (string, error) {
		return a.Cancel("redirected to a designated hospital", "regulator:reg", t0)
	}
	expire := func(a *domain.Allocation) (string, error) { return a.Expire(48*time.Hour, t0) }

	tests := []struct {
		name       string
		from       domain.Allocation
		op         func(*domain.Allocation) (string, error)
		wantStatus string
		wantEvent  string
		wantCode   apperr.Code
		wantErr    error
	}{
		{"accept proposed", alloc("proposed", 10, 0, 0), accept, "accepted", events.AllocationAcceptedType, "", nil},
		{"accept accepted", alloc("accepted", 10, 0, 0), accept, "", "", apperr.Conflict, domain.ErrNotProposed},
		{"accept declined", alloc("declined", 10, 0, 0), accept, "", "", apperr.Conflict, domain.ErrNotProposed},
		{"decline proposed", alloc("proposed", 10, 0, 0), decline, "declined", events.AllocationDeclinedType, "", nil},
		{"decline accepted", alloc("accepted", 10, 0, 0), decline, "declined", events.AllocationDeclinedType, "", nil},
		{"decline dispatched", alloc("dispatched", 10, 5, 0), decline, "", "", apperr.Conflict, domain.ErrCannotDecline},
		{"decline without reason", alloc("proposed", 10, 0, 0), func(a *domain.Allocation) (string, error) { return a.Decline("  ", t0) }, "", "", apperr.Unprocessable, nil},
		{"dispatch proposed", alloc("proposed", 10, 0, 0), dispatch(10), "", "", apperr.Conflict, domain.ErrCannotDispatch},
		{"dispatch accepted in full", alloc("accepted", 10, 0, 0), dispatch(10), "dispatched", events.AllocationDispatchedType, "", nil},
		{"dispatch accepted in part", alloc("accepted", 10, 0, 0), dispatch(4), "dispatched", events.AllocationDispatchedType, "", nil},
		{"dispatch the rest", alloc("dispatched", 10, 4, 0), dispatch(6), "dispatched", events.AllocationDispatchedType, "", nil},
		{"dispatch more than the rest", alloc("dispatched", 10, 4, 0), dispatch(7), "", "", apperr.Unprocessable, nil},
		{"dispatch more than the quantity", alloc("accepted", 10, 0, 0), dispatch(11), "", "", apperr.Unprocessable, nil},
		{"dispatch nothing", alloc("accepted", 10, 0, 0), dispatch(0), "", "", apperr.Unprocessable, nil},
		{"dispatch delivered", alloc("delivered", 10, 10, 10), dispatch(1), "", "", apperr.Conflict, domain.ErrCannotDispatch},
		{"receive accepted", alloc("accepted", 10, 0, 0), receive(1, 0), "", "", apperr.Conflict, domain.ErrNotDispatched},
		{"receive everything", alloc("dispatched", 10, 10, 0), receive(9, 1), "delivered", events.AllocationReceivedType, "", nil},
		{"receive part", alloc("dispatched", 10, 10, 0), receive(5, 0), "dispatched", events.AllocationReceivedType, "", nil},
		{"receive the rest", alloc("dispatched", 10, 10, 5), receive(5, 0), "delivered", events.AllocationReceivedType, "", nil},
		{"receive all of a partial shipment", alloc("dispatched", 10, 4, 0), receive(4, 0), "dispatched", events.AllocationReceivedType, "", nil},
		{"receive more than shipped", alloc("dispatched", 10, 4, 0), receive(4, 1), "", "", apperr.Unprocessable, nil},
		{"receive more than the rest", alloc("dispatched", 10, 10, 8), receive(3, 0), "", "", apperr.Unprocessable, nil},
		{"receive nothing", alloc("dispatched", 10, 10, 0), receive(0, 0), "", "", apperr.Unprocessable, nil},
		{"receive negative", alloc("dispatched", 10, 10, 0), receive(-1, 2), "", "", apperr.Unprocessable, nil},
		{"receive delivered", alloc("delivered", 10, 10, 10), receive(1, 0), "", "", apperr.Conflict, domain.ErrNotDispatched},
		{"cancel proposed", alloc("proposed", 10, 0, 0), cancel, "cancelled", events.AllocationCancelledType, "", nil},
		{"cancel accepted", alloc("accepted", 10, 0, 0), cancel, "cancelled", events.AllocationCancelledType, "", nil},
		{"cancel dispatched", alloc("dispatched", 10, 4, 0), cancel, "cancelled", events.AllocationCancelledType, "", nil},
		{"cancel delivered", alloc("delivered", 10, 10, 10), cancel, "", "", apperr.Conflict, domain.ErrCannotCancel},
		{"cancel cancelled", alloc("cancelled", 10, 0, 0), cancel, "", "", apperr.Conflict, domain.ErrCannotCancel},
		{"cancel declined", alloc("declined", 10, 0, 0), cancel, "", "", apperr.Conflict, domain.ErrCannotCancel},
		{"expire proposed", alloc("proposed", 10, 0, 0), expire, "expired", events.AllocationExpiredType, "", nil},
		{"expire accepted", alloc("accepted", 10, 0, 0), expire, "", "", apperr.Conflict, domain.ErrNotExpirable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := tt.from
			before := a
			typ, err := tt.op(&a)
			if tt.wantCode != "" {
				if apperr.CodeOf(err) != tt.wantCode {
					t.Fatalf("err = %v, want code %s", err, tt.wantCode)
				}
				if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				if a.Status != before.Status || a.Version != before.Version || a.ShippedQuantity != before.ShippedQuantity || a.ReceivedQuantity != before.ReceivedQuantity {
					t.Fatalf("a refused change changed the allocation: %+v", a)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if a.Status != tt.wantStatus || typ != tt.wantEvent {
				t.Fatalf("status %s event %s, want %s %s", a.Status, typ, tt.wantStatus, tt.wantEvent)
			}
			if a.Version != before.Version+1 {
				t.Fatalf("version %d, want %d", a.Version, before.Version+1)
			}
		})
	}
}

func TestDispatchAndReceiptAddUp(t *testing.T) {
	a := alloc("accepted", 10, 0, 0)
	for _, q := range []int64{3, 7} {
		if _, err := a.Dispatch(domain.DispatchInput{ShippedQuantity: q, Carrier: "EMS"}, "r1", t0); err != nil {
			t.Fatal(err)
		}
	}
	if a.ShippedQuantity != 10 || len(a.Shipments) != 2 || a.ShippedUnder("r1") != 10 || a.Carrier != "EMS" {
		t.Fatalf("after two shipments: %+v", a)
	}
	if _, err := a.Receive(domain.ReceiptInput{ReceivedQuantity: 6, Note: "box 1"}, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Receive(domain.ReceiptInput{ReceivedQuantity: 3, DamagedQuantity: 1, Note: "box 2"}, t0); err != nil {
		t.Fatal(err)
	}
	if a.Status != domain.StatusDelivered || a.ReceivedQuantity != 9 || a.DamagedQuantity != 1 || a.ReceiptNote != "box 1\nbox 2" {
		t.Fatalf("after two receipts: %+v", a)
	}
}

// TestCommitted is what an allocation holds of its need and its source in
// each status.
func TestCommitted(t *testing.T) {
	tests := []struct {
		a                      domain.Allocation
		committed, outstanding int64
	}{
		{alloc("proposed", 10, 0, 0), 10, 10},
		{alloc("accepted", 10, 0, 0), 10, 10},
		{alloc("dispatched", 10, 4, 0), 10, 6},
		{alloc("delivered", 10, 10, 10), 10, 0},
		{alloc("declined", 10, 0, 0), 0, 0},
		{alloc("expired", 10, 0, 0), 0, 0},
		{alloc("cancelled", 10, 4, 0), 4, 0},
	}
	for _, tt := range tests {
		if c, o := tt.a.Committed(), tt.a.Outstanding(); c != tt.committed || o != tt.outstanding {
			t.Errorf("%s: committed %d outstanding %d, want %d %d", tt.a.Status, c, o, tt.committed, tt.outstanding)
		}
	}
}

func TestAllocationIDsAreDeterministic(t *testing.T) {
	a, b := domain.NewAllocationID("evt1", "goggles", 0), domain.NewAllocationID("evt1", "goggles", 0)
	if a != b || a == domain.NewAllocationID("evt1", "goggles", 1) || a == domain.NewAllocationID("evt2", "goggles", 0) ||
		a == domain.NewAllocationID("evt1", "face-shield", 0) {
		t.Fatalf("ids %s %s", a, b)
	}
	if len(a) != len("alloc_")+20 {
		t.Fatalf("id %q", a)
	}
}

func TestNewAllocation(t *testing.T) {
	need := domain.Need{ID: "n1", HospitalID: "h1", Item: "ventilator", Region: "420100", Quantity: 5}
	capacity := domain.Offer{ID: "cap1", Kind: policy.KindCapacity, OrgID: "m1", Item: "ventilator", Region: "330100"}
	donation := domain.Offer{ID: "don1/0", Kind: policy.KindDonation, OrgID: "d1", Item: "ventilator", Region: "110000"}
	in := domain.NewAllocationInput{ID: "alloc_x", Need: need, Quantity: 5, DecidedBy: policy.Version, Reason: "r", RunID: "evt1"}

	in.Offer = capacity
	a, evs := domain.NewAllocation(in, t0)
	if a.Status != domain.StatusProposed || a.Version != 1 || len(evs) != 1 || evs[0].Type != events.AllocationProposedType {
		t.Fatalf("capacity: %+v %v", a, evs)
	}
	if evs[0].OrgID != "m1" || evs[0].Subject != "alloc_x" || evs[0].Item != "ventilator" {
		t.Fatalf("envelope %+v", evs[0])
	}
	var snap events.Allocation
	if err := json.Unmarshal(evs[0].Data, &snap); err != nil || snap.AllocationID != "alloc_x" || snap.Version != 1 || snap.SourceRegion != "330100" || snap.HospitalRegion != "420100" {
		t.Fatalf("snapshot %+v %v", snap, err)
	}
	if snap.ExpiresAt != "" {
		t.Fatalf("no TTL given, yet the proposal expires at %q", snap.ExpiresAt)
	}
	in.TTL = 48 * time.Hour
	_, evs = domain.NewAllocation(in, t0)
	snap = events.Allocation{}
	if err := json.Unmarshal(evs[0].Data, &snap); err != nil || snap.ExpiresAt != t0.Add(48*time.Hour).UTC().Format(time.RFC3339Nano) {
		t.Fatalf("a capacity proposal says when it expires (created + TTL): %q %v", snap.ExpiresAt, err)
	}

	in.Offer = donation
	a, evs = domain.NewAllocation(in, t0)
	if a.Status != domain.StatusAccepted || a.Version != 2 || len(evs) != 2 ||
		evs[0].Type != events.AllocationProposedType || evs[1].Type != events.AllocationAcceptedType {
		t.Fatalf("donation: %+v %v", a, evs)
	}
	if evs[0].ID == evs[1].ID {
		t.Fatal("two events with one id")
	}
	snap = events.Allocation{}
	if err := json.Unmarshal(evs[0].Data, &snap); err != nil || snap.ExpiresAt != "" {
		t.Fatalf("a donation is accepted at once and never expires, yet expires_at = %q (%v)", snap.ExpiresAt, err)
	}
	again, _ := domain.NewAllocation(in, t0)
	if again.Event(events.AllocationAcceptedType).ID != evs[1].ID {
		t.Fatal("the same change gave another event id")
	}
	r := a
	if _, err := r.Dispatch(domain.DispatchInput{ShippedQuantity: 5}, "", t0); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Receive(domain.ReceiptInput{ReceivedQuantity: 5}, t0); err != nil {
		t.Fatal(err)
	}
	if e := r.Event(events.AllocationReceivedType); e.OrgID != "h1" {
		t.Fatalf("a receipt is the hospital's act, got org %s", e.OrgID)
	}
}

// TestKeysRememberTheLatestChanges: an allocation keeps the request keys of
// its latest MaxKeys keyed changes; no key is never remembered.
func TestKeysRememberTheLatestChanges(t *testing.T) {
	var a domain.Allocation
	a.Remember("")
	if a.Made("") || len(a.Keys) != 0 {
		t.Fatalf("a change without a key was remembered: %v", a.Keys)
	}
	for i := range domain.MaxKeys + 2 {
		a.Remember(fmt.Sprintf("key-%d", i))
	}
	if len(a.Keys) != domain.MaxKeys || a.Made("key-0") || a.Made("key-1") || !a.Made("key-2") || !a.Made(fmt.Sprintf("key-%d", domain.MaxKeys+1)) {
		t.Fatalf("keys kept %v", a.Keys)
	}
	if k := "key-a"; domain.KeyedOverrideID(k) != domain.KeyedOverrideID("key-"+"a") || domain.KeyedOverrideID(k) == domain.KeyedOverrideID("key-b") {
		t.Fatal("override ids do not follow their request keys")
	}
}
