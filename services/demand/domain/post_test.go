package domain_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aidflow/aidflow/services/demand/domain"
	"github.com/aidflow/aidflow/shared/apperr"
)

// now is 2026-03-01 23:30 UTC: already 2026-03-02 in China, which the
// needed_by cases below depend on.
var now = time.Date(2026, 3, 1, 23, 30, 0, 0, time.UTC)

var poster = domain.Poster{HospitalID: "org_hos1", Region: "420100"}

func validInput() domain.NewNeedInput {
	return domain.NewNeedInput{Item: "n95-respirator", Quantity: "500", Urgency: "critical", NeededBy: "2026-03-05"}
}

func TestNewNeedValid(t *testing.T) {
	n, err := domain.NewNeed(validInput(), poster, now)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(n.ID, "need_") || n.HospitalID != "org_hos1" || n.Region != "420100" || n.Quantity != 500 {
		t.Errorf("need = %+v", n)
	}
	if n.Status != domain.StatusOpen || n.AllocatedQuantity != 0 || n.Allocations == nil {
		t.Errorf("a new need is open with no allocations: %+v", n)
	}
	// GB 19083 only: a hospital that says nothing never receives KN95.
	if !slices.Equal(n.AcceptedStandards, []string{"GB 19083"}) {
		t.Errorf("accepted standards = %v, want the item's default", n.AcceptedStandards)
	}
	if !n.CreatedAt.Equal(now) || n.CreatedAt.Location() != time.UTC {
		t.Errorf("created_at = %v", n.CreatedAt)
	}
	other, _ := domain.NewNeed(validInput(), poster, now)
	if other.ID == n.ID {
		t.Error("two needs got one id")
	}
}

func TestNewNeedValidation(t *testing.T) {
	tests := []struct {
		name   string
		change func(*domain.NewNeedInput)
		by     *domain.Poster
		fields []string // every field expected in errors[], in order
		says   string   // part of the first message
	}{
		{"item missing", func(in *domain.NewNeedInput) { in.Item = "" }, nil, []string{"item"}, "required"},
		{"item unknown", func(in *domain.NewNeedInput) { in.Item = "n95" }, nil, []string{"item"}, "not a catalog item"},
		{"quantity missing", func(in *domain.NewNeedInput) { in.Quantity = "" }, nil, []string{"quantity"}, "required"},
		{"quantity zero", func(in *domain.NewNeedInput) { in.Quantity = "0" }, nil, []string{"quantity"}, "at least 1"},
		{"quantity negative", func(in *domain.NewNeedInput) { in.Quantity = "-5" }, nil, []string{"quantity"}, "at least 1"},
		{"quantity fractional", func(in *domain.NewNeedInput) { in.Quantity = "1.5" }, nil, []string{"quantity"}, "whole number"},
		{"quantity exponent", func(in *domain.NewNeedInput) { in.Quantity = "1e3" }, nil, []string{"quantity"}, "digits"},
		{"quantity a string", func(in *domain.NewNeedInput) { in.Quantity = `"500"` }, nil, []string{"quantity"}, "digits"},
		{"quantity over the item's maximum", func(in *domain.NewNeedInput) { in.Quantity = "1000001" }, nil, []string{"quantity"}, "at most 1000000"},
		{"quantity overflows", func(in *domain.NewNeedInput) { in.Quantity = "99999999999999999999" }, nil, []string{"quantity"}, "far too large"},
		{"urgency missing", func(in *domain.NewNeedInput) { in.Urgency = "" }, nil, []string{"urgency"}, "critical, high, normal"},
		{"urgency unknown", func(in *domain.NewNeedInput) { in.Urgency = "urgent" }, nil, []string{"urgency"}, "critical, high, normal"},
		{"needed_by missing", func(in *domain.NewNeedInput) { in.NeededBy = "" }, nil, []string{"needed_by"}, "YYYY-MM-DD"},
		{"needed_by malformed", func(in *domain.NewNeedInput) { in.NeededBy = "2026-3-5" }, nil, []string{"needed_by"}, "YYYY-MM-DD"},
		{"needed_by not a date", func(in *domain.NewNeedInput) { in.NeededBy = "2026-02-30" }, nil, []string{"needed_by"}, "YYYY-MM-DD"},
		{"needed_by yesterday in China", func(in *domain.NewNeedInput) { in.NeededBy = "2026-03-01" }, nil, []string{"needed_by"}, "in the past; use today (2026-03-02"},
		{"needed_by over a year out", func(in *domain.NewNeedInput) { in.NeededBy = "2027-03-04" }, nil, []string{"needed_by"}, "check the year"},
		{"standards empty", func(in *domain.NewNeedInput) { in.AcceptedStandards = []string{} }, nil, []string{"accepted_standards"}, "at least one"},
		{"standard not of the item", func(in *domain.NewNeedInput) { in.AcceptedStandards = []string{"GB 19083", "YY 0469"} },
			nil, []string{"accepted_standards[1]"}, "use one of GB 19083, GB 2626"},
		{"standard twice", func(in *domain.NewNeedInput) { in.AcceptedStandards = []string{"GB 19083", "GB 19083"} },
			nil, []string{"accepted_standards[1]"}, "twice"},
		{"note too long", func(in *domain.NewNeedInput) { in.Note = strings.Repeat("口", domain.MaxNoteLength+1) }, nil, []string{"note"}, "at most 2000"},
		{"note with a control character", func(in *domain.NewNeedInput) { in.Note = "ward 3\x00" }, nil, []string{"note"}, "control"},
		{"poster without a known region", func(*domain.NewNeedInput) {}, &domain.Poster{HospitalID: "org_x", Region: "999999"}, []string{"region"}, "operator"},
		{"every problem at once", func(in *domain.NewNeedInput) { *in = domain.NewNeedInput{AcceptedStandards: []string{}} },
			nil, []string{"item", "quantity", "urgency", "needed_by", "accepted_standards"}, "required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := validInput()
			tt.change(&in)
			by := poster
			if tt.by != nil {
				by = *tt.by
			}
			_, err := domain.NewNeed(in, by, now)
			e := apperr.As(err)
			if err == nil || e.Code != apperr.Unprocessable {
				t.Fatalf("err = %v, want a validation error", err)
			}
			var got []string
			for _, f := range e.Fields {
				got = append(got, f.Field)
			}
			if !slices.Equal(got, tt.fields) {
				t.Errorf("fields = %v, want %v (%v)", got, tt.fields, e.Fields)
			}
			if !strings.Contains(e.Fields[0].Message, tt.says) {
				t.Errorf("message %q does not say %q", e.Fields[0].Message, tt.says)
			}
		})
	}
}

func TestNewNeedAccepts(t *testing.T) {
	tests := []struct {
		name      string
		change    func(*domain.NewNeedInput)
		standards []string
	}{
		{"needed_by today in China", func(in *domain.NewNeedInput) { in.NeededBy = "2026-03-02" }, []string{"GB 19083"}},
		{"needed_by a year out", func(in *domain.NewNeedInput) { in.NeededBy = "2027-03-03" }, []string{"GB 19083"}},
		{"the item's maximum", func(in *domain.NewNeedInput) { in.Quantity = "1000000" }, []string{"GB 19083"}},
		{"KN95 accepted on purpose", func(in *domain.NewNeedInput) { in.AcceptedStandards = []string{"GB 19083", "GB 2626"} }, []string{"GB 19083", "GB 2626"}},
		{"note at the limit", func(in *domain.NewNeedInput) { in.Note = strings.Repeat("口", domain.MaxNoteLength) }, []string{"GB 19083"}},
		{"note with line breaks", func(in *domain.NewNeedInput) { in.Note = "ICU\r\n\tward 3" }, []string{"GB 19083"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := validInput()
			tt.change(&in)
			n, err := domain.NewNeed(in, poster, now)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(n.AcceptedStandards, tt.standards) {
				t.Errorf("standards = %v, want %v", n.AcceptedStandards, tt.standards)
			}
		})
	}
}

func TestToday(t *testing.T) {
	tests := []struct {
		at   time.Time
		want string
	}{
		{time.Date(2026, 3, 1, 15, 59, 59, 0, time.UTC), "2026-03-01"},
		{time.Date(2026, 3, 1, 16, 0, 0, 0, time.UTC), "2026-03-02"},
	}
	for _, tt := range tests {
		if got := domain.Today(tt.at); got != tt.want {
			t.Errorf("Today(%v) = %s, want %s", tt.at, got, tt.want)
		}
	}
}
