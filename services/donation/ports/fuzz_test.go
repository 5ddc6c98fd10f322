package ports

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aidflow/aidflow/contracts/catalog"
	"github.com/aidflow/aidflow/services/donation/domain"
	"github.com/aidflow/aidflow/shared/apperr"
	"github.com/aidflow/aidflow/shared/auth"
	"github.com/aidflow/aidflow/shared/httpx"
)

// FuzzPledge feeds arbitrary bodies through the pledge decoder and the
// domain's rules, as POST /v1/donations does (with org_h a registered
// hospital in 420100). Whatever comes in: no panic; a refusal is 400 or
// 422; an accepted pledge is within every limit and publishes no contact
// details and no anonymous donor's name.
func FuzzPledge(f *testing.F) {
	for _, seed := range []string{
		`{"items":[{"item":"n95-respirator","quantity":2000}],"region":"420000","public_name":"Hangzhou Rotary Club"}`,
		`{"items":[{"item":"goggles","quantity":5,"standard":"GB 32166.1"}],"hospital_id":"org_h","anonymous":true,"public_name":"张伟 13800138000"}`,
		`{"items":[{"item":"goggles","quantity":1},{"item":"goggles","quantity":2}]}`,
		`{"items":[],"region":"999999"}`,
		`{"items":[{"item":"ventilator","quantity":1.5}]}`,
		`{"items":[{"item":"ventilator","quantity":1}],"public_name":"a@b.c","tracking_code":"X"}`,
	} {
		f.Add([]byte(seed))
	}
	hospital := &domain.Org{ID: "org_h", Name: "Wuhan Jinyintan Hospital", Role: auth.Hospital, Region: "420100"}
	donor := auth.Claims{OrgID: "org_d", Role: auth.Donor, Region: "330100"}
	now := time.Date(2020, 2, 3, 8, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body []byte) {
		var req pledgeRequest
		if err := httpx.DecodeJSON(body, &req); err != nil {
			if code := apperr.CodeOf(err); code != apperr.Invalid {
				t.Fatalf("decode refused with %q, want invalid (400): %v", code, err)
			}
			return
		}
		in := req.input()
		var h *domain.Org
		if in.HospitalID == hospital.ID {
			h = hospital
		}
		d, err := domain.NewDonation(in, donor, h, now)
		if err != nil {
			if code := apperr.CodeOf(err); code != apperr.Unprocessable {
				t.Fatalf("refused with %q: %v", code, err)
			}
			return
		}
		if len(d.Lines) < 1 || len(d.Lines) > domain.MaxLines {
			t.Fatalf("%d lines accepted", len(d.Lines))
		}
		for _, l := range d.Lines {
			it, ok := catalog.Lookup(l.Item)
			if !ok || l.Quantity < 1 || l.Quantity > it.MaxNeedQuantity || !slices.Contains(it.Standards, l.Standard) {
				t.Fatalf("line accepted out of limits: %+v", l)
			}
		}
		if d.DirectedHospitalID != "" && d.DirectedHospitalID != hospital.ID {
			t.Fatalf("directed to an unknown hospital %q", d.DirectedHospitalID)
		}
		if in.Anonymous && d.PublicName != "" {
			t.Fatalf("an anonymous donor's name was kept: %q", d.PublicName)
		}
		if !in.Anonymous && domain.LooksLikeContact(d.PublicName) {
			t.Fatalf("contact details accepted as a public name: %q", d.PublicName)
		}
		ev := d.Event("donation")
		if in.Anonymous && strings.TrimSpace(in.PublicName) != "" && strings.Contains(string(ev.Data), strings.TrimSpace(in.PublicName)) {
			t.Fatalf("the anonymous donor's name is in the event: %s", ev.Data)
		}
	})
}
