// Package adapterstest is the repository suite every domain.Repository
// implementation passes, so the in-memory fake cannot drift from Mongo.
package adapterstest

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/matcher/domain"
	"github.com/aidflow/aidflow/services/matcher/domain/policy"
	"github.com/aidflow/aidflow/shared/apperr"
)

var t0 = time.Date(2026, 3, 1, 8, 30, 0, 123_000_000, time.UTC)

// Fixtures used by the suite and by adapter-specific tests.
func Need() domain.Need {
	return domain.Need{ID: "need_1", HospitalID: "org_h1", Item: "n95-respirator", Region: "420100", Quantity: 1000,
		Urgency: "critical", NeededBy: "2026-03-08", AcceptedStandards: []string{"GB 19083"}, Status: domain.NeedOpen}
}

func Capacity() domain.Offer {
	return domain.Offer{ID: "cap_1", Kind: policy.KindCapacity, OrgID: "org_m1", Item: "n95-respirator", Region: "330100",
		Standard: "GB 19083", AvailableNow: 5000, DailyRate: 1000, LeadTimeDays: 2, Revision: 3, ReportID: "evt_r3"}
}

func DonationLine() domain.Offer {
	return domain.Offer{ID: "don_1/0", Kind: policy.KindDonation, OrgID: "org_d1", Item: "n95-respirator", Region: "110000",
		Standard: "GB 19083", Quantity: 800, DonationID: "don_1", DirectedHospitalID: "org_h1", DirectedRegion: "420000"}
}

// Allocation is a new capacity allocation with its creation events.
func Allocation(id string) (domain.Allocation, []events.Envelope) {
	a, evs := domain.NewAllocation(domain.NewAllocationInput{ID: id, Need: Need(), Offer: Capacity(), Quantity: 400,
		DecidedBy: policy.Version, Reason: "urgency critical", RunID: "evt_run", Writer: domain.Writer{Sequence: 17}}, t0)
	a.Remember("key-1") // made by a keyed request
	return a, evs
}

// RunRepositorySuite checks a repository made fresh by newRepo for each test.
func RunRepositorySuite(t *testing.T, newRepo func(t *testing.T) domain.Repository) {
	ctx := context.Background()

	t.Run("projections are saved, replaced and loaded", func(t *testing.T) {
		r := newRepo(t)
		h := domain.Hospital{ID: "org_h1", Region: "420100", FacilityType: "designated"}
		n, c, d := Need(), Capacity(), DonationLine()
		for _, err := range []error{r.SaveHospital(ctx, h, domain.Input{}), r.SaveNeed(ctx, n, domain.Input{}), r.SaveOffer(ctx, c, domain.Input{}), r.SaveOffer(ctx, d, domain.Input{})} {
			if err != nil {
				t.Fatal(err)
			}
		}
		n.Status = domain.NeedStale
		c.AvailableNow, c.Revision, c.ReportID = 4000, 4, "evt_r4"
		if err := r.SaveNeed(ctx, n, domain.Input{}); err != nil {
			t.Fatal(err)
		}
		if err := r.SaveOffer(ctx, c, domain.Input{}); err != nil {
			t.Fatal(err)
		}
		s, err := r.Load(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(s.Hospitals, []domain.Hospital{h}) {
			t.Errorf("hospitals %+v", s.Hospitals)
		}
		if !reflect.DeepEqual(s.Needs, []domain.Need{n}) {
			t.Errorf("needs %+v, want %+v", s.Needs, n)
		}
		if len(s.Offers) != 2 || !reflect.DeepEqual(byID(s.Offers, c.ID), c) || !reflect.DeepEqual(byID(s.Offers, d.ID), d) {
			t.Errorf("offers %+v", s.Offers)
		}
	})

	t.Run("projections keep the input they were written from; a hospital never goes back", func(t *testing.T) {
		r := newRepo(t)
		h := domain.Hospital{ID: "org_h1", Region: "420100", FacilityType: "designated"}
		n, c := Need(), Capacity()
		st := domain.Stock{HospitalID: "org_h1", Item: "ventilator", OnHand: 3, DailyConsumption: 1}
		for _, err := range []error{
			r.SaveHospital(ctx, h, domain.Input{Stream: "registry", Seq: 7, EventID: "evt_o7"}),
			r.SaveNeed(ctx, n, domain.Input{Stream: "demand", Seq: 3, EventID: "evt_n3"}),
			r.SaveStock(ctx, st, domain.Input{Stream: "demand", Seq: 9, EventID: "evt_s9"}),
			r.SaveOffer(ctx, c, domain.Input{Stream: "supply", Seq: 2, EventID: "evt_c2"}),
			// Another partition, behind on the registry, writes an older
			// registration: the newer stays.
			r.SaveHospital(ctx, domain.Hospital{ID: "org_h1", Region: "110000", FacilityType: "general"}, domain.Input{Stream: "registry", Seq: 5, EventID: "evt_o5"}),
		} {
			if err != nil {
				t.Fatal(err)
			}
		}
		s, err := r.Load(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(s.Hospitals) != 1 || s.Hospitals[0] != h {
			t.Fatalf("hospitals %+v; want the one from the later event", s.Hospitals)
		}
		got := domain.LatestInputs(s.Inputs)
		want := map[string]domain.Input{
			"registry": {Stream: "registry", Seq: 7, EventID: "evt_o7"},
			"demand":   {Stream: "demand", Seq: 9, EventID: "evt_s9"},
			"supply":   {Stream: "supply", Seq: 2, EventID: "evt_c2"},
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("latest inputs %+v; want %+v", got, want)
		}
		items := map[string]string{}
		for _, in := range s.Inputs {
			items[in.EventID] = in.Item
		}
		if items["evt_o7"] != "" || items["evt_n3"] != n.Item || items["evt_s9"] != "ventilator" || items["evt_c2"] != c.Item {
			t.Fatalf("inputs' items %v", items)
		}
	})

	t.Run("stock reports are saved, replaced per hospital and item, and loaded", func(t *testing.T) {
		r := newRepo(t)
		a := domain.Stock{HospitalID: "org_h1", Item: "n95-respirator", OnHand: 100, DailyConsumption: 50}
		b := domain.Stock{HospitalID: "org_h1", Item: "ventilator", OnHand: 3, DailyConsumption: 1}
		for _, err := range []error{r.SaveStock(ctx, a, domain.Input{}), r.SaveStock(ctx, b, domain.Input{})} {
			if err != nil {
				t.Fatal(err)
			}
		}
		a.OnHand = 400
		if err := r.SaveStock(ctx, a, domain.Input{}); err != nil {
			t.Fatal(err)
		}
		s, err := r.Load(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]domain.Stock{}
		for _, st := range s.Stock {
			got[st.Key()] = st
		}
		if len(s.Stock) != 2 || got[a.Key()] != a || got[b.Key()] != b {
			t.Errorf("stock %+v", s.Stock)
		}
	})

	t.Run("an allocation reads back as written", func(t *testing.T) {
		r := newRepo(t)
		a, evs := Allocation("alloc_a")
		if err := r.InsertAllocation(ctx, a, evs...); err != nil {
			t.Fatal(err)
		}
		got, err := r.GetAllocation(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, a) {
			t.Errorf("got  %+v\nwant %+v", got, a)
		}
		s, err := r.Load(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(s.Allocations) != 1 || !reflect.DeepEqual(s.Allocations[0], a) {
			t.Errorf("loaded %+v", s.Allocations)
		}
	})

	t.Run("an allocation is inserted once", func(t *testing.T) {
		r := newRepo(t)
		a, evs := Allocation("alloc_b")
		if err := r.InsertAllocation(ctx, a, evs...); err != nil {
			t.Fatal(err)
		}
		a.Quantity = 1
		if err := r.InsertAllocation(ctx, a, evs...); !errors.Is(err, domain.ErrAllocationExists) {
			t.Fatalf("second insert: %v", err)
		}
		if got, _ := r.GetAllocation(ctx, a.ID); got.Quantity != 400 {
			t.Fatalf("the second insert changed the first: %+v", got)
		}
	})

	t.Run("updates replace the state", func(t *testing.T) {
		r := newRepo(t)
		a, evs := Allocation("alloc_c")
		if err := r.InsertAllocation(ctx, a, evs...); err != nil {
			t.Fatal(err)
		}
		now := t0.Add(time.Hour)
		if _, err := a.Accept(now); err != nil {
			t.Fatal(err)
		}
		typ, err := a.Dispatch(domain.DispatchInput{ShippedQuantity: 150, Carrier: "SF Express", TrackingNumber: "SF123"}, "evt_r3", now)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.UpdateAllocation(ctx, a, a.Event(typ)); err != nil {
			t.Fatal(err)
		}
		got, err := r.GetAllocation(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, a) {
			t.Errorf("got  %+v\nwant %+v", got, a)
		}
		if len(got.Shipments) != 1 || got.Shipments[0].ReportID != "evt_r3" || !got.Shipments[0].At.Equal(now) {
			t.Errorf("shipments %+v", got.Shipments)
		}
	})

	t.Run("a redirect's links and the regulator read back", func(t *testing.T) {
		r := newRepo(t)
		a, evs := Allocation("alloc_r")
		a.RedirectedFrom = "alloc_q"
		if err := r.InsertAllocation(ctx, a, evs...); err != nil {
			t.Fatal(err)
		}
		typ, err := a.Cancel("moved to a designated hospital", "regulator:org_r1", t0.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		a.RedirectedTo = "alloc_s"
		if err := r.UpdateAllocation(ctx, a, a.Event(typ)); err != nil {
			t.Fatal(err)
		}
		got, err := r.GetAllocation(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, a) || got.StatusBy != "regulator:org_r1" || got.RedirectedFrom != "alloc_q" || got.RedirectedTo != "alloc_s" {
			t.Errorf("got  %+v\nwant %+v", got, a)
		}
	})

	t.Run("unknown allocations", func(t *testing.T) {
		r := newRepo(t)
		if _, err := r.GetAllocation(ctx, "alloc_missing"); !errors.Is(err, domain.ErrAllocationNotFound) || apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("get: %v", err)
		}
		a, _ := Allocation("alloc_missing")
		if err := r.UpdateAllocation(ctx, a); !errors.Is(err, domain.ErrAllocationNotFound) {
			t.Errorf("update: %v", err)
		}
	})

	t.Run("an empty store loads empty", func(t *testing.T) {
		s, err := newRepo(t).Load(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(s.Hospitals)+len(s.Needs)+len(s.Offers)+len(s.Allocations) != 0 {
			t.Errorf("loaded %+v", s)
		}
	})
}

func byID(os []domain.Offer, id string) domain.Offer {
	for _, o := range os {
		if o.ID == id {
			return o
		}
	}
	return domain.Offer{}
}
