package app_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/donation/domain"
)

func correction(subject, correctsType, reason, corrected string) (events.Envelope, events.RecordCorrected) {
	rc := events.RecordCorrected{CorrectsEventID: "ev_orig", CorrectsIndex: 3, CorrectsType: correctsType, Reason: reason, CorrectedBy: "org_h"}
	if corrected != "" {
		rc.Corrected = json.RawMessage(corrected)
	}
	return events.MustNew("audit", rc, events.Meta{Subject: subject, OrgID: "org_h", Time: now}), rc
}

func TestApplyCorrectionShowsBesideTheOriginal(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	d, err := f.app.PledgeDonation(ctx, donor, "", domain.PledgeInput{Items: []domain.LineInput{{Item: "goggles", Quantity: 50}}, PublicName: "Rotary Club"})
	if err != nil {
		t.Fatal(err)
	}
	al := events.Allocation{AllocationID: "alloc_1", Version: 1, Status: "delivered", Item: "goggles", Quantity: 50, ShippedQuantity: 50, ReceivedQuantity: 5,
		HospitalID: "org_h", HospitalRegion: "420100", SourceKind: "donation", SourceID: d.ID + "/0", SourceOrgID: "org_d"}
	if err := f.app.ApplyAllocation(ctx, al, now); err != nil {
		t.Fatal(err)
	}
	apply := func(e events.Envelope, rc events.RecordCorrected) {
		t.Helper()
		if err := f.app.ApplyCorrection(ctx, e, rc); err != nil {
			t.Fatal(err)
		}
	}
	// Of the allocation: received 50, not 5; delivered twice (a replay).
	alloc, allocRC := correction("alloc_1", events.AllocationReceivedType, "5 was typed for 50",
		`{"received_quantity": 50, "note": "call 13800138000", "hospital_id": "org_h", "lines": [{"x": 1}]}`)
	apply(alloc, allocRC)
	apply(alloc, allocRC)
	// Of the donation's own pledge, with a reason that holds a phone number.
	own, ownRC := correction(d.ID, events.DonationPledgedType, "call 张伟 at 13800138000", `{"quantity": 40, "public_name": "张伟"}`)
	apply(own, ownRC)
	// Of someone else's need, and of a capacity allocation: not ours.
	apply(correction("need_1", events.NeedPostedType, "typo", `{"quantity": 1}`))
	apply(correction("alloc_other", events.AllocationReceivedType, "typo", `{"received_quantity": 1}`))

	j, err := f.app.PublicJourney(ctx, d.TrackingCode)
	if err != nil {
		t.Fatal(err)
	}
	if len(j.Allocations) != 1 || len(j.Allocations[0].Corrections) != 1 {
		t.Fatalf("allocation corrections: %+v", j.Allocations)
	}
	ac := j.Allocations[0].Corrections[0]
	if ac.CorrectsType != events.AllocationReceivedType || ac.Reason != "5 was typed for 50" || len(ac.Corrected) != 1 ||
		string(ac.Corrected["received_quantity"]) != "50" || !ac.CorrectedAt.Equal(now) {
		t.Errorf("allocation correction %+v", ac)
	}
	if j.Allocations[0].ReceivedQuantity != 5 {
		t.Errorf("the original must stay as recorded, got %d", j.Allocations[0].ReceivedQuantity)
	}
	if len(j.Corrections) != 1 {
		t.Fatalf("donation corrections: %+v", j.Corrections)
	}
	dc := j.Corrections[0]
	if dc.CorrectsType != events.DonationPledgedType || dc.Reason != "" || len(dc.Corrected) != 1 || string(dc.Corrected["quantity"]) != "40" {
		t.Errorf("donation correction %+v: the reason with a phone and the name must be dropped", dc)
	}
	for _, c := range append(j.Corrections, j.Allocations[0].Corrections...) {
		b, _ := json.Marshal(c)
		for _, private := range []string{"13800138000", "张伟", "org_h", d.TrackingCode} {
			if strings.Contains(string(b), private) {
				t.Errorf("correction %s shows %q", b, private)
			}
		}
	}
}

func TestNewCorrectionDropsTrackingCodes(t *testing.T) {
	code := domain.FormatTrackingCode(domain.NewTrackingCode())
	c := domain.NewCorrection("ev", "", events.DonationPledgedType, "wrong donation, see "+code, json.RawMessage(`{"status": "`+code+`"}`), now)
	if c.Reason != "" || len(c.Corrected) != 0 {
		t.Errorf("correction %+v shows a tracking code", c)
	}
}
