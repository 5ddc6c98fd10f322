package app_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/disclosure/adapters/memory"
	"github.com/aidflow/aidflow/services/disclosure/app"
	"github.com/aidflow/aidflow/services/disclosure/domain"
)

var t0 = time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)

func at(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }

func org(id, name, role, region string) events.Envelope {
	return events.MustNew("registry", events.OrgRegistered{OrgID: id, Name: name, Role: role, Region: region}, events.Meta{Subject: id, OrgID: id, Time: at(0)})
}

func need(id, hospital, item string, qty int64, region string, min int) events.Envelope {
	return events.MustNew("demand", events.NeedPosted{NeedID: id, HospitalID: hospital, Item: item, Quantity: qty, Urgency: "high", NeededBy: "2026-03-08", Region: region},
		events.Meta{Subject: id, OrgID: hospital, Item: item, Time: at(min)})
}

func cancelNeed(id, hospital, item string, min int) events.Envelope {
	return events.MustNew("demand", events.NeedCancelled{NeedID: id, HospitalID: hospital, Item: item, Status: "cancelled"},
		events.Meta{Subject: id, OrgID: hospital, Item: item, Time: at(min)})
}

func capacity(id, mfr, item string, avail, rev int64, min int) events.Envelope {
	return events.MustNew("supply", events.CapacityReported{CapacityID: id, ManufacturerID: mfr, Item: item, AvailableNow: avail, Revision: rev, Standard: "GB 19083"},
		events.Meta{Subject: id, OrgID: mfr, Item: item, Time: at(min)})
}

func donation(id, donor, publicName string, items ...string) events.Envelope {
	d := events.DonationPledged{DonationID: id, DonorID: donor, Region: "310000", PublicName: publicName}
	for i, it := range items {
		d.Lines = append(d.Lines, events.DonationLine{OfferID: id + "/" + string(rune('0'+i)), Item: it, Quantity: 100, Standard: "GB 19083"})
	}
	return events.MustNew("donation", d, events.Meta{Subject: id, OrgID: donor, Time: at(0)})
}

// alloc is an allocation snapshot; typ follows the status.
type alloc struct {
	id, need, hospital, region, item string
	qty                              int64
	kind, source, sourceOrg          string
}

func (a alloc) v(version int64, status string, shipped, received int64, min int) events.Envelope {
	types := map[string]string{
		"proposed": events.AllocationProposedType, "accepted": events.AllocationAcceptedType, "declined": events.AllocationDeclinedType,
		"dispatched": events.AllocationDispatchedType, "delivered": events.AllocationReceivedType,
		"expired": events.AllocationExpiredType, "cancelled": events.AllocationCancelledType,
	}
	return events.MustNew("matcher", events.AllocationEvent{Type: types[status], Allocation: events.Allocation{
		AllocationID: a.id, Version: version, NeedID: a.need, HospitalID: a.hospital, HospitalRegion: a.region, Item: a.item,
		Quantity: a.qty, SourceKind: a.kind, SourceID: a.source, SourceOrgID: a.sourceOrg, Status: status,
		ShippedQuantity: shipped, ReceivedQuantity: received, DecidedBy: "policy-v1", Reason: "nearest source",
		CreatedAt: at(0).Format(time.RFC3339), UpdatedAt: at(min).Format(time.RFC3339),
	}}, events.Meta{Subject: a.id, OrgID: a.sourceOrg, Item: a.item, Time: at(min)})
}

func apply(t *testing.T, a *app.App, evs ...events.Envelope) {
	t.Helper()
	for _, e := range evs {
		if err := a.ApplyEvent(context.Background(), e); err != nil {
			t.Fatalf("apply %s: %v", e.Type, err)
		}
	}
}

func summaryOf(a *app.App, item string) domain.SummaryItem {
	for _, s := range a.Summary() {
		if s.Item == item {
			return s
		}
	}
	return domain.SummaryItem{}
}

func regionOf(a *app.App, province string) domain.RegionShortage {
	for _, r := range a.Regions() {
		if r.Province == province {
			return r
		}
	}
	return domain.RegionShortage{}
}

const n95 = "n95-respirator"

// The thin flow: a need, a capacity report, an allocation that is
// accepted, dispatched and received.
func thinFlow() []events.Envelope {
	a1 := alloc{"alloc_1", "need_1", "org_h1", "420100", n95, 1000, "capacity", "cap_1", "org_m1"}
	return []events.Envelope{
		org("org_h1", "Wuhan Union Hospital", "hospital", "420100"),
		org("org_m1", "Hangzhou Masks Ltd", "manufacturer", "330100"),
		need("need_1", "org_h1", n95, 1000, "420100", 1),
		capacity("cap_1", "org_m1", n95, 5000, 1, 2),
		a1.v(1, "proposed", 0, 0, 3),
		a1.v(2, "accepted", 0, 0, 4),
		a1.v(3, "dispatched", 1000, 0, 5),
		a1.v(4, "delivered", 1000, 990, 6),
	}
}

func TestSummaryFollowsTheThinFlow(t *testing.T) {
	evs := thinFlow()
	tests := []struct {
		name  string
		upTo  int // events applied
		want  domain.SummaryItem
		level string
	}{
		{"need posted", 3, domain.SummaryItem{Needed: 1000, OpenShortage: 1000}, domain.LevelRed},
		{"capacity reported", 4, domain.SummaryItem{Needed: 1000, OpenShortage: 1000, AvailableCapacity: 5000}, domain.LevelRed},
		{"proposed", 5, domain.SummaryItem{Needed: 1000, Allocated: 1000, AvailableCapacity: 4000}, domain.LevelGreen},
		{"accepted", 6, domain.SummaryItem{Needed: 1000, Allocated: 1000, AvailableCapacity: 4000}, domain.LevelGreen},
		{"dispatched", 7, domain.SummaryItem{Needed: 1000, Allocated: 1000, Dispatched: 1000, AvailableCapacity: 4000}, domain.LevelGreen},
		// 990 received of 1000: not fulfilled, but fully allocated: no shortage.
		{"delivered", 8, domain.SummaryItem{Needed: 1000, Allocated: 1000, Dispatched: 1000, Delivered: 990, AvailableCapacity: 4000}, domain.LevelGreen},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := app.New(memory.New())
			apply(t, a, evs[:tt.upTo]...)
			got := summaryOf(a, n95)
			tt.want.Item, tt.want.Name, tt.want.NameZh = n95, got.Name, got.NameZh
			if got != tt.want {
				t.Fatalf("summary %+v\nwant    %+v", got, tt.want)
			}
			if got.Name == "" || got.NameZh == "" {
				t.Fatalf("names missing: %+v", got)
			}
			if r := regionOf(a, "420000"); r.Level != tt.level || r.Needed != 1000 {
				t.Fatalf("Hubei %+v, want level %s", r, tt.level)
			}
		})
	}
}

func TestReplaysChangeNothing(t *testing.T) {
	evs := thinFlow()
	once := app.New(memory.New())
	apply(t, once, evs...)
	want := once.Views()

	// Every event twice, then the whole sequence again, then old versions
	// out of order: the same answers.
	a := app.New(memory.New())
	for _, e := range evs {
		apply(t, a, e, e)
	}
	apply(t, a, evs...)
	apply(t, a, evs[4], evs[3], evs[2])
	got := a.Views()
	if got.Gen == 0 || !equalViews(got, want) {
		t.Fatalf("replayed views differ:\n%+v\nwant\n%+v", got.Summary, want.Summary)
	}
	f := got.Flows[0]
	if f.Status != "delivered" || f.ShippedQuantity != 1000 || f.ReceivedQuantity != 990 {
		t.Fatalf("flow %+v, want the delivered version", f)
	}
}

func equalViews(a, b app.Views) bool {
	if len(a.Summary) != len(b.Summary) || len(a.Regions) != len(b.Regions) || len(a.Flows) != len(b.Flows) {
		return false
	}
	for i := range a.Summary {
		if a.Summary[i] != b.Summary[i] {
			return false
		}
	}
	for i := range a.Regions {
		if a.Regions[i] != b.Regions[i] {
			return false
		}
	}
	for i := range a.Flows {
		if !reflect.DeepEqual(a.Flows[i], b.Flows[i]) {
			return false
		}
	}
	return true
}

func TestSummaryRules(t *testing.T) {
	mk := func(id, needID string, qty int64, source string) alloc {
		return alloc{id, needID, "org_h1", "420100", n95, qty, "capacity", source, "org_m1"}
	}
	a1, a2, a3 := mk("a1", "need_1", 300, "cap_1"), mk("a2", "need_1", 200, "cap_1"), mk("a3", "need_2", 500, "cap_1")
	tests := []struct {
		name string
		evs  []events.Envelope
		want domain.SummaryItem
	}{
		{"cancelled needs are not needed", []events.Envelope{
			need("need_1", "org_h1", n95, 1000, "420100", 1), need("need_2", "org_h1", n95, 400, "420100", 1), cancelNeed("need_2", "org_h1", n95, 2),
		}, domain.SummaryItem{Needed: 1000, OpenShortage: 1000}},
		{"declined, expired and cancelled allocations hold nothing", []events.Envelope{
			need("need_1", "org_h1", n95, 1000, "420100", 1), capacity("cap_1", "org_m1", n95, 1000, 1, 1),
			a1.v(1, "proposed", 0, 0, 2), a1.v(2, "declined", 0, 0, 3),
			a2.v(1, "proposed", 0, 0, 2), a2.v(2, "expired", 0, 0, 3),
			a3.v(1, "proposed", 0, 0, 2), a3.v(2, "cancelled", 0, 0, 3),
		}, domain.SummaryItem{Needed: 1000, OpenShortage: 1000, AvailableCapacity: 1000}},
		{"partial allocation leaves a shortage", []events.Envelope{
			need("need_1", "org_h1", n95, 1000, "420100", 1), capacity("cap_1", "org_m1", n95, 500, 1, 1),
			a1.v(1, "proposed", 0, 0, 2), a2.v(1, "accepted", 0, 0, 2),
		}, domain.SummaryItem{Needed: 1000, Allocated: 500, OpenShortage: 500}},
		{"over-allocation never makes a negative shortage", []events.Envelope{
			need("need_2", "org_h1", n95, 100, "420100", 1), a3.v(1, "proposed", 0, 0, 2),
		}, domain.SummaryItem{Needed: 100, Allocated: 500}},
		{"a fulfilled need has no shortage even if under-allocated", []events.Envelope{
			need("need_2", "org_h1", n95, 100, "420100", 1), mk("a4", "need_2", 50, "cap_1").v(3, "delivered", 50, 100, 2),
		}, domain.SummaryItem{Needed: 100, Allocated: 50, Dispatched: 50, Delivered: 100}},
		{"a cancelled need keeps its deliveries but not its shortage", []events.Envelope{
			need("need_1", "org_h1", n95, 1000, "420100", 1), a1.v(3, "delivered", 300, 300, 2), cancelNeed("need_1", "org_h1", n95, 3),
		}, domain.SummaryItem{Allocated: 300, Dispatched: 300, Delivered: 300}},
		{"dispatch after the report lowers available, reservation ends", []events.Envelope{
			capacity("cap_1", "org_m1", n95, 1000, 1, 1),
			a1.v(1, "proposed", 0, 0, 2), a1.v(2, "accepted", 0, 0, 3), a1.v(3, "dispatched", 250, 0, 4),
			a2.v(1, "proposed", 0, 0, 2),
		}, domain.SummaryItem{Allocated: 500, Dispatched: 250, AvailableCapacity: 1000 - 250 - 200}},
		{"a new report states the stock anew", []events.Envelope{
			capacity("cap_1", "org_m1", n95, 1000, 1, 1),
			a1.v(1, "proposed", 0, 0, 2), a1.v(3, "dispatched", 300, 0, 4),
			capacity("cap_1", "org_m1", n95, 800, 2, 5),
			a2.v(1, "proposed", 0, 0, 6),
		}, domain.SummaryItem{Allocated: 500, Dispatched: 300, AvailableCapacity: 800 - 200}},
		{"a stale revision is ignored", []events.Envelope{
			capacity("cap_1", "org_m1", n95, 800, 2, 5), capacity("cap_1", "org_m1", n95, 1000, 1, 1),
		}, domain.SummaryItem{AvailableCapacity: 800}},
		{"capacity is never negative", []events.Envelope{
			capacity("cap_1", "org_m1", n95, 100, 1, 1), a1.v(1, "proposed", 0, 0, 2),
		}, domain.SummaryItem{Allocated: 300}},
		{"donations are not capacity", []events.Envelope{
			donation("don_1", "org_d1", "", n95),
			alloc{"a5", "need_1", "org_h1", "420100", n95, 100, "donation", "don_1/0", "org_d1"}.v(1, "proposed", 0, 0, 2),
		}, domain.SummaryItem{Allocated: 100}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := app.New(memory.New())
			apply(t, a, tt.evs...)
			got := summaryOf(a, n95)
			tt.want.Item, tt.want.Name, tt.want.NameZh = n95, got.Name, got.NameZh
			if got != tt.want {
				t.Fatalf("summary %+v\nwant    %+v", got, tt.want)
			}
		})
	}
}

func TestRegions(t *testing.T) {
	a := app.New(memory.New())
	mk := func(id, needID, region string, qty int64) alloc {
		return alloc{id, needID, "org_h", region, n95, qty, "capacity", "cap_1", "org_m1"}
	}
	apply(t, a,
		// Hubei: 1000 needed, 300 allocated → 70 % unmet: red.
		need("n_hb", "org_h", n95, 1000, "420100", 1), mk("a_hb", "n_hb", "420100", 300).v(1, "proposed", 0, 0, 2),
		// Zhejiang: 1000 needed over two cities, 500 allocated → 50 %: orange.
		need("n_zj1", "org_h", n95, 600, "330100", 1), need("n_zj2", "org_h", n95, 400, "330200", 1),
		mk("a_zj", "n_zj1", "330100", 500).v(1, "proposed", 0, 0, 2),
		// Beijing: 100 needed, 75 allocated → 25 %: yellow.
		need("n_bj", "org_h", n95, 100, "110000", 1), mk("a_bj", "n_bj", "110000", 75).v(1, "proposed", 0, 0, 2),
		// Shanghai: 100 needed, 90 allocated → 10 %: blue.
		need("n_sh", "org_h", n95, 100, "310000", 1), mk("a_sh", "n_sh", "310000", 90).v(1, "proposed", 0, 0, 2),
		// Guangdong: fully allocated: green.
		need("n_gd", "org_h", n95, 100, "440100", 1), mk("a_gd", "n_gd", "440100", 100).v(1, "proposed", 0, 0, 2),
	)
	tests := []struct {
		province          string
		needed, allocated int64
		shortage          int64
		level             string
	}{
		{"420000", 1000, 300, 700, domain.LevelRed},
		{"330000", 1000, 500, 500, domain.LevelOrange},
		{"110000", 100, 75, 25, domain.LevelYellow},
		{"310000", 100, 90, 10, domain.LevelBlue},
		{"440000", 100, 100, 0, domain.LevelGreen},
		{"650000", 0, 0, 0, domain.LevelGreen}, // nothing needed
	}
	for _, tt := range tests {
		r := regionOf(a, tt.province)
		if r.Needed != tt.needed || r.Allocated != tt.allocated || r.OpenShortage != tt.shortage || r.Level != tt.level || r.Name == "" || r.NameZh == "" {
			t.Errorf("%s: %+v; want needed %d allocated %d shortage %d %s", tt.province, r, tt.needed, tt.allocated, tt.shortage, tt.level)
		}
	}
	if n := len(a.Regions()); n != 34 {
		t.Errorf("%d provinces, want 34", n)
	}
}

func TestLevelThresholds(t *testing.T) {
	tests := []struct {
		shortage, needed int64
		want             string
	}{
		{0, 0, domain.LevelGreen}, {5, 0, domain.LevelGreen}, {0, 100, domain.LevelGreen},
		{1, 100, domain.LevelBlue}, {19, 100, domain.LevelBlue}, {20, 100, domain.LevelYellow},
		{39, 100, domain.LevelYellow}, {40, 100, domain.LevelOrange}, {59, 100, domain.LevelOrange},
		{60, 100, domain.LevelRed}, {100, 100, domain.LevelRed},
	}
	for _, tt := range tests {
		if _, got := domain.Level(tt.shortage, tt.needed); got != tt.want {
			t.Errorf("Level(%d, %d) = %s, want %s", tt.shortage, tt.needed, got, tt.want)
		}
	}
}

func TestFlowsShowPublicNamesOnly(t *testing.T) {
	a := app.New(memory.New())
	apply(t, a,
		org("org_h1", "协和医院 电话13800138000 admin@example.com", "hospital", "420100"),
		org("org_m1", "Hangzhou Masks Ltd", "manufacturer", "330100"),
		org("org_d1", "张三 13912345678", "donor", "310000"),
		org("org_d2", "李四", "donor", "310000"),
		donation("don_1", "org_d1", ""),                 // anonymous
		donation("don_2", "org_d2", "Li's Family", n95), // named
		alloc{"a1", "need_1", "org_h1", "420100", n95, 100, "capacity", "cap_1", "org_m1"}.v(1, "proposed", 0, 0, 1),
		alloc{"a2", "need_1", "org_h1", "420100", n95, 100, "donation", "don_1/0", "org_d1"}.v(1, "proposed", 0, 0, 2),
		alloc{"a3", "need_1", "org_h1", "420100", n95, 100, "donation", "don_2/0", "org_d2"}.v(1, "proposed", 0, 0, 3),
		alloc{"a4", "need_1", "org_h9", "420100", n95, 100, "donation", "don_unknown/0", "org_d9"}.v(1, "proposed", 0, 0, 4),
	)
	flows := a.Flows()
	want := []struct{ id, source, hospital string }{
		{"a4", domain.AnonymousDonor, ""}, // newest first; unknown donation and hospital
		{"a3", "Li's Family", "协和医院 电话*** ***"},
		{"a2", domain.AnonymousDonor, "协和医院 电话*** ***"},
		{"a1", "Hangzhou Masks Ltd", "协和医院 电话*** ***"},
	}
	if len(flows) != len(want) {
		t.Fatalf("%d flows", len(flows))
	}
	for i, w := range want {
		f := flows[i]
		if f.ID != w.id || f.SourceName != w.source || f.HospitalName != w.hospital || f.DecidedBy != "policy-v1" || f.Reason != "nearest source" {
			t.Errorf("flow %d = %+v; want %s from %q to %q", i, f, w.id, w.source, w.hospital)
		}
	}
}

func TestFailedWriteChangesNothing(t *testing.T) {
	store := memory.New()
	a := app.New(store)
	store.Fail = errors.New("disk full")
	if err := a.ApplyEvent(context.Background(), need("need_1", "org_h1", n95, 1000, "420100", 1)); err == nil {
		t.Fatal("the write failure did not surface")
	}
	if s := summaryOf(a, n95); s.Needed != 0 {
		t.Fatalf("memory changed without the write: %+v", s)
	}
	store.Fail = nil
	apply(t, a, need("need_1", "org_h1", n95, 1000, "420100", 1))
	// A restart loads what was written.
	b := app.New(store)
	if err := b.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s := summaryOf(b, n95); s.Needed != 1000 {
		t.Fatalf("after reload %+v", s)
	}
}

func TestSubscribersHearOfChanges(t *testing.T) {
	a := app.New(memory.New())
	ch, stop := a.Subscribe()
	defer stop()
	apply(t, a, need("need_1", "org_h1", n95, 1000, "420100", 1))
	select {
	case <-ch:
	default:
		t.Fatal("no signal after a change")
	}
	apply(t, a, need("need_1", "org_h1", n95, 1000, "420100", 1)) // a replay: no change
	select {
	case <-ch:
		t.Fatal("a signal without a change")
	default:
	}
}

// TestRedirectIsPublicLikeAnOverride: a regulator's redirect reaches the
// public flows as the matcher announces it, the new allocation first: it
// names the regulator and the written reason, as any override, and the
// allocation it replaced shows as cancelled.
func TestRedirectIsPublicLikeAnOverride(t *testing.T) {
	a := app.New(memory.New())
	old := alloc{"a1", "need_1", "org_h1", "420100", n95, 100, "capacity", "cap_1", "org_m1"}
	moved := events.Allocation{
		AllocationID: "a2", Version: 1, NeedID: "need_2", HospitalID: "org_h2", HospitalRegion: "330100", Item: n95, Quantity: 100,
		SourceKind: "capacity", SourceID: "cap_1", SourceOrgID: "org_m1", Status: "proposed",
		DecidedBy: "regulator:org_r1", Reason: "designated hospital out of stock", RedirectedFrom: "a1",
		CreatedAt: at(5).Format(time.RFC3339), UpdatedAt: at(5).Format(time.RFC3339),
	}
	cancelled := old.v(2, "cancelled", 0, 0, 5)
	var c events.Allocation
	if err := cancelled.Decode(&c); err != nil {
		t.Fatal(err)
	}
	c.StatusReason, c.StatusBy, c.RedirectedTo = moved.Reason, moved.DecidedBy, "a2"
	apply(t, a,
		org("org_h1", "Wuhan Union Hospital", "hospital", "420100"),
		org("org_h2", "Hangzhou First Hospital", "hospital", "330100"),
		org("org_m1", "Hangzhou Masks Ltd", "manufacturer", "330100"),
		old.v(1, "proposed", 0, 0, 1),
		events.MustNew("matcher", events.AllocationEvent{Type: events.AllocationProposedType, Allocation: moved},
			events.Meta{Subject: "a2", OrgID: "org_m1", Item: n95, Time: at(5)}),
		events.MustNew("matcher", events.AllocationEvent{Type: events.AllocationCancelledType, Allocation: c},
			events.Meta{Subject: "a1", OrgID: "org_m1", Item: n95, Time: at(5)}),
	)
	flows := map[string]domain.Flow{}
	for _, f := range a.Flows() {
		flows[f.ID] = f
	}
	if f := flows["a2"]; f.DecidedBy != "regulator:org_r1" || f.Reason != "designated hospital out of stock" || f.HospitalName != "Hangzhou First Hospital" ||
		f.SourceName != "Hangzhou Masks Ltd" || f.Quantity != 100 || f.Status != "proposed" {
		t.Fatalf("the redirect's flow %+v", f)
	}
	if f := flows["a1"]; f.Status != "cancelled" || f.DecidedBy != "policy-v1" {
		t.Fatalf("the redirected allocation's flow %+v", f)
	}
	if s := summaryOf(a, n95); s.Allocated != 100 {
		t.Fatalf("allocated %d after the redirect, want 100 (moved, not doubled)", s.Allocated)
	}
}
