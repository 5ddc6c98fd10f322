package app_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/donation/adapters/memory"
	"github.com/aidflow/aidflow/services/donation/app"
	"github.com/aidflow/aidflow/services/donation/domain"
	"github.com/aidflow/aidflow/shared/apperr"
	"github.com/aidflow/aidflow/shared/auth"
)

var (
	donor = auth.Claims{OrgID: "org_d", Role: auth.Donor, Region: "330100"}
	other = auth.Claims{OrgID: "org_e", Role: auth.Donor, Region: "330100"}
	reg   = auth.Claims{OrgID: "org_r", Role: auth.Regulator, Region: "110000"}
	now   = time.Date(2020, 2, 3, 8, 0, 0, 0, time.UTC)
)

type fixture struct {
	app       *app.App
	donations *memory.Donations
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	d, o := memory.NewDonations(), memory.NewOrgs()
	a := app.New(d, o, nil)
	a.Now = func() time.Time { return now }
	for _, org := range []events.OrgRegistered{
		{OrgID: "org_h", Name: "Wuhan Jinyintan Hospital", Role: auth.Hospital, Region: "420100"},
		{OrgID: "org_m", Name: "Suzhou Masks Co.", Role: auth.Manufacturer, Region: "320500"},
	} {
		if err := a.RecordOrg(context.Background(), org); err != nil {
			t.Fatal(err)
		}
	}
	return fixture{a, d}
}

func TestPledgeDonation(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	d, err := f.app.PledgeDonation(ctx, donor, "", domain.PledgeInput{Items: []domain.LineInput{{Item: "goggles", Quantity: 50}}, HospitalID: "org_h"})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.TrackingCode) != domain.TrackingLength || d.DirectedHospitalID != "org_h" {
		t.Fatalf("donation %+v", d)
	}
	if id, err := f.donations.DonationOfCode(ctx, d.TrackingCode); err != nil || id != d.ID {
		t.Errorf("code points at %q, %v", id, err)
	}
	evs := f.donations.Events()
	var data events.DonationPledged
	if len(evs) != 1 || evs[0].Decode(&data) != nil || data.DirectedHospitalID != "org_h" || data.Lines[0].OfferID != d.ID+"/0" {
		t.Errorf("events %+v", evs)
	}
	for _, hid := range []string{"org_x", "org_m"} {
		_, err := f.app.PledgeDonation(ctx, donor, "", domain.PledgeInput{Items: []domain.LineInput{{Item: "goggles", Quantity: 50}}, HospitalID: hid})
		if apperr.CodeOf(err) != apperr.Unprocessable {
			t.Errorf("hospital %s: %v", hid, err)
		}
	}
	if len(f.donations.Events()) != 1 {
		t.Error("a refused pledge must publish nothing")
	}
}

// A pledge sent again with its Idempotency-Key after the process died
// between the write and the idempotency record is answered with the
// donation the first try stored, tracking code and all; a try that died
// after reserving its code leaves a code that opens nothing.
func TestPledgeWithTheSameKeyPledgesOnce(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	in := domain.PledgeInput{Items: []domain.LineInput{{Item: "goggles", Quantity: 50}}, PublicName: "Rotary Club"}
	// The first try reserved a code and died before the donation.
	orphan := domain.NewTrackingCode()
	if err := f.donations.ReserveCode(ctx, orphan, domain.KeyedDonationID(donor.OrgID, "key-1")); err != nil {
		t.Fatal(err)
	}
	first, err := f.app.PledgeDonation(ctx, donor, "key-1", in)
	if err != nil {
		t.Fatal(err)
	}
	restarted := app.New(f.donations, memory.NewOrgs(), nil)
	restarted.Now = f.app.Now
	again, err := restarted.PledgeDonation(ctx, donor, "key-1", in)
	if err != nil || again.ID != first.ID || again.TrackingCode != first.TrackingCode {
		t.Fatalf("retry = %s %s, %v; want the first donation %s %s", again.ID, again.TrackingCode, err, first.ID, first.TrackingCode)
	}
	if n := len(f.donations.Events()); n != 1 {
		t.Fatalf("%d events stored, want one donation_pledged", n)
	}
	if _, err := f.app.PublicJourney(ctx, first.TrackingCode); err != nil {
		t.Errorf("the donor's code: %v", err)
	}
	if _, err := f.app.PublicJourney(ctx, orphan); !errors.Is(err, domain.ErrCodeNotFound) {
		t.Errorf("the dead try's code: %v, want %v", err, domain.ErrCodeNotFound)
	}
	second, err := f.app.PledgeDonation(ctx, donor, "key-2", in)
	if err != nil || second.ID == first.ID {
		t.Fatalf("another key = %s, %v; want a new donation", second.ID, err)
	}
	theirs, err := f.app.PledgeDonation(ctx, other, "key-1", in)
	if err != nil || theirs.ID == first.ID {
		t.Fatalf("another donor's key-1 = %s, %v; want its own donation", theirs.ID, err)
	}
}

// takenCodes refuses the first n code reservations, as if drawn before.
type takenCodes struct {
	domain.Repository
	n int
}

func (r *takenCodes) ReserveCode(ctx context.Context, code, id string) error {
	if r.n > 0 {
		r.n--
		return domain.ErrCodeTaken
	}
	return r.Repository.ReserveCode(ctx, code, id)
}

func TestPledgeDrawsAnotherCodeWhenTaken(t *testing.T) {
	f := newFixture(t)
	f.app.Donations = &takenCodes{Repository: f.donations, n: 2}
	if _, err := f.app.PledgeDonation(context.Background(), donor, "", domain.PledgeInput{Items: []domain.LineInput{{Item: "goggles", Quantity: 1}}}); err != nil {
		t.Fatalf("two taken codes, the third is free: %v", err)
	}
	f.app.Donations = &takenCodes{Repository: f.donations, n: 100}
	_, err := f.app.PledgeDonation(context.Background(), donor, "", domain.PledgeInput{Items: []domain.LineInput{{Item: "goggles", Quantity: 1}}})
	if !errors.Is(err, domain.ErrCodeTaken) {
		t.Errorf("every code taken: %v", err)
	}
}

func TestGetDonationAndJourney(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	d, err := f.app.PledgeDonation(ctx, donor, "", domain.PledgeInput{Items: []domain.LineInput{{Item: "goggles", Quantity: 50}},
		PublicName: "张伟", Anonymous: true})
	if err != nil {
		t.Fatal(err)
	}
	al := events.Allocation{AllocationID: "alloc_1", Version: 1, Status: "proposed", Item: "goggles", Quantity: 50,
		HospitalID: "org_h", HospitalRegion: "420100", SourceKind: "donation", SourceID: d.ID + "/0", SourceOrgID: "org_d"}
	if err := f.app.ApplyAllocation(ctx, al, now); err != nil {
		t.Fatal(err)
	}
	capacity := al
	capacity.AllocationID, capacity.SourceKind, capacity.SourceID = "alloc_2", "capacity", "cap_org_m_goggles"
	if err := f.app.ApplyAllocation(ctx, capacity, now); err != nil {
		t.Fatalf("a capacity allocation is skipped: %v", err)
	}
	for _, bad := range []string{"don_missing/0", "garbage", d.ID + "/7"} {
		b := al
		b.SourceID = bad
		if err := f.app.ApplyAllocation(ctx, b, now); apperr.CodeOf(err) != apperr.NotFound && apperr.CodeOf(err) != apperr.Unprocessable {
			t.Errorf("source %s: %v", bad, err)
		}
	}

	for _, by := range []auth.Claims{donor, reg} {
		got, names, err := f.app.GetDonation(ctx, by, d.ID)
		if err != nil || len(got.Allocations) != 1 || names["org_h"] != "Wuhan Jinyintan Hospital" {
			t.Errorf("%s: %+v %v %v", by.OrgID, got, names, err)
		}
	}
	for _, by := range []auth.Claims{other, {OrgID: "org_h", Role: auth.Hospital}, {OrgID: "org_d", Role: auth.Hospital}} {
		if _, _, err := f.app.GetDonation(ctx, by, d.ID); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("%+v: %v", by, err)
		}
	}

	typed := strings.ToLower(domain.FormatTrackingCode(d.TrackingCode))
	j, err := f.app.PublicJourney(ctx, typed)
	if err != nil {
		t.Fatal(err)
	}
	if j.DonorName != "" || len(j.Allocations) != 1 || j.Allocations[0].HospitalName != "Wuhan Jinyintan Hospital" || j.Items[0].Allocated != 50 {
		t.Errorf("journey %+v", j)
	}
	for _, code := range []string{"", "nonsense", domain.FormatTrackingCode(domain.NewTrackingCode())} {
		if _, err := f.app.PublicJourney(ctx, code); !errors.Is(err, domain.ErrCodeNotFound) {
			t.Errorf("code %q: %v", code, err)
		}
	}
	// A code whose donation was never written (a crash between the two
	// writes) answers like an unknown one.
	orphan := domain.NewTrackingCode()
	if err := f.donations.ReserveCode(ctx, orphan, "don_never"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.PublicJourney(ctx, orphan); !errors.Is(err, domain.ErrCodeNotFound) {
		t.Errorf("orphan code: %v", err)
	}
}

func TestFlagOverdueGifts(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	directed, err := f.app.PledgeDonation(ctx, donor, "", domain.PledgeInput{Items: []domain.LineInput{{Item: "goggles", Quantity: 50}}, HospitalID: "org_h"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.PledgeDonation(ctx, donor, "", domain.PledgeInput{Items: []domain.LineInput{{Item: "goggles", Quantity: 50}}}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		after time.Duration
		want  int
	}{{71 * time.Hour, 0}, {72 * time.Hour, 1}, {96 * time.Hour, 0}} {
		f.app.Now = func() time.Time { return now.Add(tt.after) }
		n, err := f.app.FlagOverdueGifts(ctx)
		if err != nil || n != tt.want {
			t.Fatalf("after %s: flagged %d, %v; want %d", tt.after, n, err, tt.want)
		}
	}
	got, _, err := f.app.GetDonation(ctx, donor, directed.ID)
	if err != nil || got.OverdueAt == nil || !got.OverdueAt.Equal(now.Add(72*time.Hour)) {
		t.Fatalf("donation %+v %v", got, err)
	}
	j, err := f.app.PublicJourney(ctx, directed.TrackingCode)
	if err != nil || len(j.Flags) != 1 || j.Flags[0] != domain.FlagDirectedGiftOverdue {
		t.Errorf("journey %+v %v", j, err)
	}
	var overdue []events.Envelope
	for _, e := range f.donations.Events() {
		if e.Type == events.DirectedGiftOverdueType {
			overdue = append(overdue, e)
		}
	}
	if len(overdue) != 1 || overdue[0].Subject != directed.ID {
		t.Errorf("overdue events %+v", overdue)
	}
}
