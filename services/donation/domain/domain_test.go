package domain_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/donation/domain"
	"github.com/aidflow/aidflow/shared/apperr"
	"github.com/aidflow/aidflow/shared/auth"
)

var (
	now      = time.Date(2020, 2, 3, 8, 0, 0, 0, time.UTC)
	donor    = auth.Claims{OrgID: "org_d", Role: auth.Donor, Region: "330100"}
	hospital = &domain.Org{ID: "org_h", Name: "Wuhan Jinyintan Hospital", Role: auth.Hospital, Region: "420100"}
)

func TestTrackingCodes(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		c := domain.NewTrackingCode()
		if len(c) != domain.TrackingLength || strings.ContainsAny(c, "0O1I") || seen[c] {
			t.Fatalf("code %q (seen before: %v)", c, seen[c])
		}
		seen[c] = true
		f := domain.FormatTrackingCode(c)
		if len(f) != 16 || f[4] != '-' || f[9] != '-' || f[14] != '-' {
			t.Fatalf("formatted %q", f)
		}
		for _, typed := range []string{c, f, strings.ToLower(f), " " + strings.ReplaceAll(f, "-", " ") + " "} {
			if n, ok := domain.NormalizeTrackingCode(typed); !ok || n != c {
				t.Fatalf("NormalizeTrackingCode(%q) = %q, %v; want %q", typed, n, ok, c)
			}
		}
	}
	if len(domain.TrackingAlphabet) != 32 || strings.ContainsAny(domain.TrackingAlphabet, "0O1I") {
		t.Errorf("alphabet %q", domain.TrackingAlphabet)
	}
	for _, bad := range []string{"", "AF7K-2MXQ-9RTB", "AF7K-2MXQ-9RTB-HH", "AF7K-2MXQ-9RTB-0", "AF7K-2MXQ-9RTB-I", "AF7K_2MXQ_9RTB_H",
		"ÀF7K-2MXQ-9RTB-H", strings.Repeat("-", 100) + "AF7K2MXQ9RTBH"} {
		if n, ok := domain.NormalizeTrackingCode(bad); ok {
			t.Errorf("NormalizeTrackingCode(%q) = %q, want refused", bad, n)
		}
	}
}

func TestLooksLikeContact(t *testing.T) {
	for s, want := range map[string]bool{
		"浙江慈善联合会 Zhejiang Charity Federation": false,
		"Class of 2003":         false,
		"Room 101, 12 donors":   false,
		"张伟 13800138000":        true,
		"call 138 0013 8000":    true,
		"0571-8888-1234":        true,
		"(0571) 8888123":        true,
		"110105194912310021":    true,
		"11010519491231002X":    true,
		"zhang.wei@example.com": true,
		"张伟＠例子":                 true,
		"１３８００１３８０００":           true,
	} {
		if got := domain.LooksLikeContact(s); got != want {
			t.Errorf("LooksLikeContact(%q) = %v, want %v", s, got, want)
		}
	}
}

func fieldsOf(err error) []string {
	var out []string
	for _, f := range apperr.As(err).Fields {
		out = append(out, f.Field)
	}
	return out
}

func TestNewDonation(t *testing.T) {
	item := func(code string, qty int64, std string) domain.LineInput {
		return domain.LineInput{Item: code, Quantity: qty, Standard: std}
	}
	many := make([]domain.LineInput, 21)
	for i := range many {
		many[i] = item("n95-respirator", 1, "")
	}
	tests := []struct {
		name     string
		in       domain.PledgeInput
		hospital *domain.Org
		fields   []string
		check    func(*testing.T, domain.Donation)
	}{
		{name: "defaults the standard", in: domain.PledgeInput{Items: []domain.LineInput{item("n95-respirator", 1000, ""), item("n95-respirator", 500, "GB 2626")}},
			check: func(t *testing.T, d domain.Donation) {
				want := []domain.Line{{"n95-respirator", 1000, "GB 19083"}, {"n95-respirator", 500, "GB 2626"}}
				if !slices.Equal(d.Lines, want) || d.DonorID != "org_d" || d.DonorRegion != "330100" || !strings.HasPrefix(d.ID, "don_") {
					t.Errorf("donation %+v", d)
				}
			}},
		{name: "directed to a hospital inside the region", in: domain.PledgeInput{Items: []domain.LineInput{item("goggles", 10, "")}, HospitalID: "org_h", Region: "420000", PublicName: " Hangzhou Rotary Club "},
			hospital: hospital, check: func(t *testing.T, d domain.Donation) {
				if d.DirectedHospitalID != "org_h" || d.DirectedRegion != "420000" || d.PublicName != "Hangzhou Rotary Club" {
					t.Errorf("donation %+v", d)
				}
			}},
		{name: "anonymous drops the name", in: domain.PledgeInput{Items: []domain.LineInput{item("goggles", 10, "")}, PublicName: "张伟 13800138000", Anonymous: true},
			check: func(t *testing.T, d domain.Donation) {
				if d.PublicName != "" || !d.Anonymous {
					t.Errorf("donation %+v", d)
				}
			}},
		{name: "no items", in: domain.PledgeInput{}, fields: []string{"items"}},
		{name: "too many items", in: domain.PledgeInput{Items: many}, fields: []string{"items"}},
		{name: "bad lines", in: domain.PledgeInput{Items: []domain.LineInput{item("n95", 1, ""), item("goggles", 0, ""), item("ventilator", 501, ""), item("surgical-mask", 5, "GB 19083")}},
			fields: []string{"items[0].item", "items[1].quantity", "items[2].quantity", "items[3].standard"}},
		{name: "the same item and standard twice", in: domain.PledgeInput{Items: []domain.LineInput{item("goggles", 1, ""), item("goggles", 2, "GB 14866")}},
			fields: []string{"items[1]"}},
		{name: "unknown region", in: domain.PledgeInput{Items: []domain.LineInput{item("goggles", 1, "")}, Region: "999999"}, fields: []string{"region"}},
		{name: "unknown hospital", in: domain.PledgeInput{Items: []domain.LineInput{item("goggles", 1, "")}, HospitalID: "org_x"}, fields: []string{"hospital_id"}},
		{name: "not a hospital", in: domain.PledgeInput{Items: []domain.LineInput{item("goggles", 1, "")}, HospitalID: "org_m"},
			hospital: &domain.Org{ID: "org_m", Role: auth.Manufacturer, Region: "420100"}, fields: []string{"hospital_id"}},
		{name: "hospital outside the region", in: domain.PledgeInput{Items: []domain.LineInput{item("goggles", 1, "")}, HospitalID: "org_h", Region: "330000"},
			hospital: hospital, fields: []string{"hospital_id"}},
		{name: "public name too long", in: domain.PledgeInput{Items: []domain.LineInput{item("goggles", 1, "")}, PublicName: strings.Repeat("名", 101)}, fields: []string{"public_name"}},
		{name: "contact details in a public name", in: domain.PledgeInput{Items: []domain.LineInput{item("goggles", 1, "")}, PublicName: "张伟 13800138000"}, fields: []string{"public_name"}},
		{name: "control characters", in: domain.PledgeInput{Items: []domain.LineInput{item("goggles", 1, "")}, PublicName: "a\x00b", Anonymous: true}, fields: []string{"public_name"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := domain.NewDonation(tt.in, donor, tt.hospital, now)
			if fmt.Sprint(fieldsOf(err)) != fmt.Sprint(tt.fields) {
				t.Fatalf("fields %v, want %v (%v)", fieldsOf(err), tt.fields, err)
			}
			if err != nil && apperr.CodeOf(err) != apperr.Unprocessable {
				t.Errorf("code %s", apperr.CodeOf(err))
			}
			if tt.check != nil {
				tt.check(t, d)
			}
		})
	}
}

func TestWithin(t *testing.T) {
	for _, tt := range []struct {
		region, area string
		want         bool
	}{{"420100", "420100", true}, {"420100", "420000", true}, {"420102", "420100", true}, {"420100", "330000", false},
		{"420700", "420100", false}, {"110101", "110000", true}} {
		if got := domain.Within(tt.region, tt.area); got != tt.want {
			t.Errorf("Within(%s, %s) = %v", tt.region, tt.area, got)
		}
	}
}

func pledge(t *testing.T, in domain.PledgeInput) domain.Donation {
	t.Helper()
	d, err := domain.NewDonation(in, donor, hospital, now)
	if err != nil {
		t.Fatal(err)
	}
	d.TrackingCode = domain.NewTrackingCode()
	return d
}

func TestEventKeepsAnonymousDonorsNameOut(t *testing.T) {
	for _, anonymous := range []bool{false, true} {
		name := "Hangzhou Rotary Club"
		d := pledge(t, domain.PledgeInput{Items: []domain.LineInput{{Item: "goggles", Quantity: 5}, {Item: "surgical-mask", Quantity: 100}},
			Region: "420100", PublicName: name, Anonymous: anonymous})
		e := d.Event("donation")
		var data events.DonationPledged
		if err := e.Decode(&data); err != nil {
			t.Fatal(err)
		}
		if e.Type != events.DonationPledgedType || e.Subject != d.ID || e.OrgID != "org_d" || e.Item != "" ||
			data.DonationID != d.ID || data.Region != "330100" || data.DirectedRegion != "420100" || len(data.Lines) != 2 ||
			data.Lines[1].OfferID != d.ID+"/1" || data.Lines[1].Standard != "YY 0469" {
			t.Errorf("event %+v %+v", e, data)
		}
		raw, _ := json.Marshal(e)
		if leaked := strings.Contains(string(raw), name); leaked == anonymous {
			t.Errorf("anonymous=%v: name in event = %v: %s", anonymous, leaked, raw)
		}
		if strings.Contains(string(raw), d.TrackingCode) {
			t.Errorf("the tracking code is the donor's key and stays out of events: %s", raw)
		}
	}
}

func snapshot(id string, version int64, status string, qty, shipped, received int64, updated string) events.Allocation {
	return events.Allocation{AllocationID: id, Version: version, Status: status, Item: "goggles", Quantity: qty,
		ShippedQuantity: shipped, ReceivedQuantity: received, HospitalID: "org_h", HospitalRegion: "420100",
		SourceKind: "donation", SourceOrgID: "org_d", CreatedAt: "2020-02-03T09:00:00Z", UpdatedAt: updated}
}

func TestApplyAllocationAndJourney(t *testing.T) {
	d := pledge(t, domain.PledgeInput{Items: []domain.LineInput{{Item: "goggles", Quantity: 100}, {Item: "surgical-mask", Quantity: 50}},
		PublicName: "张伟", Anonymous: true})
	steps := []struct {
		a       events.Allocation
		line    int
		changed bool
		status  string
	}{
		{snapshot("alloc_1", 1, "proposed", 60, 0, 0, "2020-02-03T09:00:00Z"), 0, true, domain.StatusPartiallyAllocated},
		{snapshot("alloc_1", 1, "proposed", 60, 0, 0, "2020-02-03T09:00:00Z"), 0, false, domain.StatusPartiallyAllocated},
		{snapshot("alloc_2", 1, "proposed", 40, 0, 0, "2020-02-03T09:30:00Z"), 0, true, domain.StatusPartiallyAllocated},
		{snapshot("alloc_2", 2, "declined", 40, 0, 0, "2020-02-03T10:00:00Z"), 0, true, domain.StatusPartiallyAllocated},
		{snapshot("alloc_1", 3, "dispatched", 60, 60, 0, "2020-02-04T08:00:00Z"), 0, true, domain.StatusPartiallyAllocated},
		{snapshot("alloc_1", 2, "accepted", 60, 0, 0, "2020-02-03T12:00:00Z"), 0, false, domain.StatusPartiallyAllocated},
		{snapshot("alloc_1", 4, "delivered", 60, 60, 58, "2020-02-05T08:00:00Z"), 0, true, domain.StatusPartiallyAllocated},
	}
	for i, s := range steps {
		changed, err := d.ApplyAllocation(s.a, s.line, now)
		if err != nil || changed != s.changed || d.Status() != s.status {
			t.Fatalf("step %d: changed %v status %s err %v", i, changed, d.Status(), err)
		}
	}
	j := d.Journey(func(id string) string {
		if id == "org_h" {
			return hospital.Name
		}
		return ""
	})
	if j.DonorName != "" || j.TrackingCode != domain.FormatTrackingCode(d.TrackingCode) || !j.PledgedAt.Equal(now) {
		t.Errorf("journey %+v", j)
	}
	want := []domain.JourneyItem{
		{Item: "goggles", Standard: "GB 14866", Pledged: 100, Progress: domain.Progress{Allocated: 60, Dispatched: 60, Delivered: 58}},
		{Item: "surgical-mask", Standard: "YY 0469", Pledged: 50},
	}
	if !slices.Equal(j.Items, want) {
		t.Errorf("items %+v", j.Items)
	}
	if len(j.Allocations) != 2 {
		t.Fatalf("allocations %+v", j.Allocations)
	}
	a := j.Allocations[0]
	if a.Status != "delivered" || a.HospitalName != "Wuhan Jinyintan Hospital" || a.HospitalRegion != "420100" || a.ReceivedQuantity != 58 ||
		a.AllocatedAt.Format(time.RFC3339) != "2020-02-03T09:00:00Z" || a.DispatchedAt.Format(time.RFC3339) != "2020-02-04T08:00:00Z" ||
		a.DeliveredAt.Format(time.RFC3339) != "2020-02-05T08:00:00Z" || a.Standard != "GB 14866" {
		t.Errorf("first allocation %+v", a)
	}
	if j.Allocations[1].Status != "declined" || j.Allocations[1].DispatchedAt != nil {
		t.Errorf("second allocation %+v", j.Allocations[1])
	}
}

func TestDonationStatus(t *testing.T) {
	d := pledge(t, domain.PledgeInput{Items: []domain.LineInput{{Item: "goggles", Quantity: 100}}})
	if d.Status() != domain.StatusPledged {
		t.Fatal(d.Status())
	}
	for _, s := range []struct {
		a    events.Allocation
		want string
	}{
		{snapshot("a1", 1, "accepted", 100, 0, 0, ""), domain.StatusAllocated},
		{snapshot("a1", 2, "dispatched", 100, 100, 0, ""), domain.StatusAllocated},
		{snapshot("a1", 3, "delivered", 100, 100, 97, ""), domain.StatusDelivered},
	} {
		if _, err := d.ApplyAllocation(s.a, 0, now); err != nil || d.Status() != s.want {
			t.Errorf("after %s: %s %v", s.a.Status, d.Status(), err)
		}
	}
	// A skipped step keeps its date unknown instead of inventing one.
	if a := d.Allocations["a1"]; a.DispatchedAt == nil || !a.DispatchedAt.Equal(now) {
		t.Errorf("an unreadable updated_at falls back to the event time: %+v", a)
	}
	e := pledge(t, domain.PledgeInput{Items: []domain.LineInput{{Item: "goggles", Quantity: 100}}})
	if _, err := e.ApplyAllocation(snapshot("a1", 3, "delivered", 100, 100, 100, "2020-02-05T08:00:00Z"), 0, now); err != nil {
		t.Fatal(err)
	}
	if a := e.Allocations["a1"]; a.DispatchedAt != nil || a.DeliveredAt == nil {
		t.Errorf("dates %+v", a)
	}
}

func TestApplyAllocationRefusesMismatch(t *testing.T) {
	d := pledge(t, domain.PledgeInput{Items: []domain.LineInput{{Item: "goggles", Quantity: 100}}})
	other := snapshot("a1", 1, "proposed", 10, 0, 0, "")
	other.SourceOrgID = "org_other"
	wrongItem := snapshot("a1", 1, "proposed", 10, 0, 0, "")
	wrongItem.Item = "surgical-mask"
	for i, tt := range []struct {
		a    events.Allocation
		line int
	}{{other, 0}, {wrongItem, 0}, {snapshot("a1", 1, "proposed", 10, 0, 0, ""), 1}, {snapshot("a1", 1, "proposed", 10, 0, 0, ""), -1}} {
		if _, err := d.ApplyAllocation(tt.a, tt.line, now); !errors.Is(err, domain.ErrAllocationMismatch) {
			t.Errorf("case %d: %v", i, err)
		}
	}
	if len(d.Allocations) != 0 {
		t.Errorf("refused snapshots were kept: %+v", d.Allocations)
	}
}

func TestParseOfferID(t *testing.T) {
	for s, want := range map[string]string{"don_ab/0": "don_ab 0 true", "don_ab/12": "don_ab 12 true", "don_ab": " 0 false",
		"don_ab/x": " 0 false", "/1": " 0 false", "don_ab/-1": " 0 false"} {
		id, n, ok := domain.ParseOfferID(s)
		if !ok {
			id, n = "", 0
		}
		if got := fmt.Sprint(id, " ", n, " ", ok); got != want {
			t.Errorf("ParseOfferID(%q) = %s, want %s", s, got, want)
		}
	}
}
