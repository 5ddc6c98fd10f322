package app_test

import (
	"maps"
	"testing"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/matcher/app"
)

// at is a trigger for the event at seq in stream.
func (f *fixture) at(stream string, seq uint64) app.Trigger {
	t := f.trigger()
	t.Stream, t.Seq = stream, seq
	return t
}

// lastApplied is what the last event the matcher announced says it had read.
func (f *fixture) lastApplied() (events.Allocation, map[string]string) {
	f.t.Helper()
	evs := f.repo.Events()
	if len(evs) == 0 {
		f.t.Fatal("nothing announced")
	}
	var d events.Allocation
	f.must(evs[len(evs)-1].Decode(&d))
	return d, d.Applied
}

// TestAllocationsSayHowFarTheMatcherHadRead: every allocation event
// carries the last event the matcher had applied from each input stream,
// also after a restart (read back from the store), and an event
// redelivered after a restart that the state already holds is not applied
// again, so the state stays what those events say.
func TestAllocationsSayHowFarTheMatcherHadRead(t *testing.T) {
	f := newFixture(t)
	reg1 := f.at("registry", 5)
	f.must(f.app.HospitalRegistered(f.ctx, reg1, events.OrgRegistered{OrgID: "h1", Role: "hospital", Region: "420100", FacilityType: "general"}))
	reg2 := f.at("registry", 7)
	f.must(f.app.HospitalRegistered(f.ctx, reg2, events.OrgRegistered{OrgID: "h1", Role: "hospital", Region: "330100", FacilityType: "designated"}))
	need := f.at("demand", 3)
	f.must(f.app.NeedPosted(f.ctx, need, events.NeedPosted{NeedID: "n1", HospitalID: "h1", Item: "ventilator", Quantity: 10,
		Urgency: "critical", NeededBy: "2026-03-08", Region: "330100"}))
	c1 := f.at("supply", 11)
	f.must(f.app.CapacityReported(f.ctx, c1, events.CapacityReported{CapacityID: "c1", ManufacturerID: "m1", Item: "ventilator",
		Region: "330100", AvailableNow: 4, Revision: 1}))
	d, applied := f.lastApplied()
	want := map[string]string{"registry": reg2.EventID, "demand": need.EventID, "supply": c1.EventID}
	if d.DecidedBy == "" || !maps.Equal(applied, want) {
		t.Fatalf("allocation %s says it had applied %v; want %v", d.AllocationID, applied, want)
	}

	// A restart: the consumers redeliver from where they were acknowledged.
	f.app = f.open()
	f.must(f.app.HospitalRegistered(f.ctx, reg1, events.OrgRegistered{OrgID: "h1", Role: "hospital", Region: "420100", FacilityType: "general"}))
	if h, _ := f.app.Book.Hospital("h1"); h.Region != "330100" {
		t.Fatalf("a redelivered older registration was applied again: %+v", h)
	}
	c1b := f.at("supply", 12)
	f.must(f.app.CapacityReported(f.ctx, c1b, events.CapacityReported{CapacityID: "c1", ManufacturerID: "m1", Item: "ventilator",
		Region: "330100", AvailableNow: 9, Revision: 2}))
	after, applied := f.lastApplied()
	want["supply"] = c1b.EventID
	if !maps.Equal(applied, want) {
		t.Fatalf("after a restart the allocation says it had applied %v; want %v", applied, want)
	}
	// And its writes are numbered on from before the restart.
	if after.Sequence <= d.Sequence {
		t.Fatalf("the first write after a restart is number %d; the last before was %d", after.Sequence, d.Sequence)
	}
}

// TestWritesAreNumberedInOrder: every event carries its write's number,
// one per write (a donation's proposal and acceptance share one), rising
// in the order the writes were made.
func TestWritesAreNumberedInOrder(t *testing.T) {
	f := newFixture(t)
	f.hospital("h1", "420100", "designated")
	f.need("n1", "h1", "ventilator", 10, "critical")
	f.need("n2", "h1", "ventilator", 10, "critical")
	f.capacity("c1", "m1", "ventilator", 12, 1)
	f.must(f.app.DonationPledged(f.ctx, f.trigger(), events.DonationPledged{DonationID: "d1", DonorID: "dn", Region: "420100",
		Lines: []events.DonationLine{{OfferID: "d1/0", Item: "ventilator", Quantity: 8}}}))
	var last int64
	byWrite := map[int64][]string{}
	for _, e := range f.repo.Events() {
		var d events.Allocation
		f.must(e.Decode(&d))
		if d.Sequence < last || d.Sequence == 0 {
			t.Fatalf("event %s (%s) is write %d after write %d", e.ID, e.Type, d.Sequence, last)
		}
		last = d.Sequence
		byWrite[d.Sequence] = append(byWrite[d.Sequence], e.Type)
	}
	if len(f.repo.Events()) < 4 {
		t.Fatalf("only %d events", len(f.repo.Events()))
	}
	for seq, types := range byWrite {
		if len(types) == 2 && (types[0] != events.AllocationProposedType || types[1] != events.AllocationAcceptedType) || len(types) > 2 {
			t.Fatalf("write %d announced %v", seq, types)
		}
	}
}
