package domain_test

import (
	"testing"
	"time"

	"github.com/aidflow/aidflow/services/registry/domain"
	"github.com/aidflow/aidflow/shared/apperr"
)

func TestNewOrg(t *testing.T) {
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		in     domain.NewOrgInput
		fields []string // fields at fault; none means valid
		ft     string
	}{
		{"hospital defaults to general", domain.NewOrgInput{Name: "Wuhan Hospital", Role: "hospital", Region: "420100"}, nil, "general"},
		{"designated hospital", domain.NewOrgInput{Name: "H", Role: "hospital", Region: "420100", FacilityType: "designated"}, nil, "designated"},
		{"manufacturer", domain.NewOrgInput{Name: "M", Role: "manufacturer", Region: "320500"}, nil, ""},
		{"regulator", domain.NewOrgInput{Name: "R", Role: "regulator", Region: "110000"}, nil, ""},
		{"missing everything", domain.NewOrgInput{}, []string{"name", "role", "region"}, ""},
		{"unknown role", domain.NewOrgInput{Name: "X", Role: "admin", Region: "420100"}, []string{"role"}, ""},
		{"operator is not an org role", domain.NewOrgInput{Name: "X", Role: "operator", Region: "420100"}, []string{"role"}, ""},
		{"bad region", domain.NewOrgInput{Name: "X", Role: "donor", Region: "999999"}, []string{"region"}, ""},
		{"region not six digits", domain.NewOrgInput{Name: "X", Role: "donor", Region: "4201"}, []string{"region"}, ""},
		{"unknown facility type", domain.NewOrgInput{Name: "X", Role: "hospital", Region: "420100", FacilityType: "field"}, []string{"facility_type"}, ""},
		{"facility type on a donor", domain.NewOrgInput{Name: "X", Role: "donor", Region: "420100", FacilityType: "general"}, []string{"facility_type"}, ""},
		{"name too long", domain.NewOrgInput{Name: string(make([]byte, 201)), Role: "donor", Region: "420100"}, []string{"name"}, ""},
		{"control characters", domain.NewOrgInput{Name: "a\x00b", Role: "donor", Region: "420100"}, []string{"name"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := domain.NewOrg(tt.in, now)
			if len(tt.fields) == 0 {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				if o.ID == "" || o.FacilityType != tt.ft || !o.CreatedAt.Equal(now) {
					t.Errorf("got %+v", o)
				}
				return
			}
			e := apperr.As(err)
			if e.Code != apperr.Unprocessable {
				t.Fatalf("code = %s (%v)", e.Code, err)
			}
			got := map[string]bool{}
			for _, f := range e.Fields {
				got[f.Field] = true
			}
			for _, f := range tt.fields {
				if !got[f] {
					t.Errorf("no error for %s: %+v", f, e.Fields)
				}
			}
		})
	}
}

func TestTokenIDNamesItsOrg(t *testing.T) {
	id := domain.NewTokenID("org_abc")
	org, ok := domain.OrgIDOfToken(id)
	if !ok || org != "org_abc" {
		t.Fatalf("OrgIDOfToken(%q) = %q, %v", id, org, ok)
	}
	if _, ok := domain.OrgIDOfToken("nonsense"); ok {
		t.Error("a malformed token id must not name an org")
	}
}
