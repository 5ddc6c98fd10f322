package ports_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aidflow/aidflow/services/demand/domain"
	"github.com/aidflow/aidflow/services/demand/ports"
	"github.com/aidflow/aidflow/shared/apperr"
)

func TestDecodeNeedsCSV(t *testing.T) {
	rows, err := ports.DecodeNeedsCSV([]byte("\ufeffItem, quantity ,urgency,needed_by,accepted_standards,note\r\n" +
		"n95-respirator, 500 ,critical,2026-03-08,GB 19083; GB 2626,\"ICU, ward 3\nsecond line\"\r\n" +
		",,,,,\r\n" + // a spreadsheet's empty row
		"goggles,10,normal,2026-03-09,,\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 {
		t.Fatalf("rows = %+v", rows)
	}
	r := rows[0]
	if r.Line != 2 || r.Input.Item != "n95-respirator" || r.Input.Quantity != "500" || r.Input.Urgency != "critical" ||
		r.Input.NeededBy != "2026-03-08" || !slices.Equal(r.Input.AcceptedStandards, []string{"GB 19083", "GB 2626"}) ||
		r.Input.Note != "ICU, ward 3\nsecond line" {
		t.Errorf("row 1 = %+v", r)
	}
	if r := rows[1]; r.Line != 5 || r.Input.AcceptedStandards != nil || r.Input.Note != "" {
		t.Errorf("row 2 = %+v (an empty accepted_standards means the default)", r)
	}

	// Columns in any order, optional ones left out.
	rows, err = ports.DecodeNeedsCSV([]byte("needed_by,urgency,quantity,item\n2026-03-08,high,3,ventilator\n"))
	if err != nil || len(rows) != 1 || rows[0].Input.Item != "ventilator" || rows[0].Input.Quantity != "3" {
		t.Errorf("reordered: %+v %v", rows, err)
	}

	many := "item,quantity,urgency,needed_by\n" + strings.Repeat("goggles,1,high,2026-03-08\n", ports.MaxImportRows)
	if rows, err := ports.DecodeNeedsCSV([]byte(many)); err != nil || len(rows) != ports.MaxImportRows {
		t.Errorf("%d rows: %v", ports.MaxImportRows, err)
	}

	tests := []struct {
		name, body string
		code       apperr.Code
		says       string
	}{
		{"empty", "", apperr.Invalid, "empty"},
		{"header only", "item,quantity,urgency,needed_by\n", apperr.Invalid, "no rows"},
		{"missing columns", "item,quantity\ngoggles,1\n", apperr.Invalid, "urgency, needed_by are missing"},
		{"unknown column", "item,quantity,urgency,needed_by,status\ngoggles,1,high,2026-03-08,open\n", apperr.Invalid, `"status" is not one of`},
		{"twice", "item,quantity,urgency,needed_by,item\ngoggles,1,high,2026-03-08,x\n", apperr.Invalid, "appears twice"},
		{"short row", "item,quantity,urgency,needed_by\ngoggles,1,high\n", apperr.Invalid, "line 2: this row has a different number of cells"},
		{"bad quote", "item,quantity,urgency,needed_by\ngoggles,1,\"high,2026-03-08\n", apperr.Invalid, "quote"},
		{"not utf-8", "item,quantity,urgency,needed_by\ngoggles,1,high,2026-03-08,\xff\n", apperr.Invalid, "UTF-8"},
		{"too many rows", many + "goggles,1,high,2026-03-08\n", apperr.TooLarge, "more than 500 rows"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ports.DecodeNeedsCSV([]byte(tt.body))
			e := apperr.As(err)
			if err == nil || e.Code != tt.code || !strings.Contains(e.Message, tt.says) {
				t.Errorf("err = %v, want %s saying %q", err, tt.code, tt.says)
			}
		})
	}
}

func TestDecodeNeed(t *testing.T) {
	in, err := ports.DecodeNeed([]byte(`{"item":"goggles","quantity":1.5,"urgency":"high","needed_by":"2026-03-08","note":"x"}`))
	if err != nil || in.Quantity != "1.5" || in.Item != "goggles" || in.Note != "x" || in.AcceptedStandards != nil {
		t.Errorf("decoded %+v, %v", in, err)
	}
	for _, body := range []string{`{"item":"goggles","status":"open"}`, `[]`, `{"item":1}`, `{} {}`, `{`} {
		if _, err := ports.DecodeNeed([]byte(body)); apperr.CodeOf(err) != apperr.Invalid {
			t.Errorf("%s: err = %v, want a 400", body, err)
		}
	}
}

var fuzzNow = time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
var fuzzPoster = domain.Poster{HospitalID: "org_h", Region: "420100"}

// checkInput posts what a decoder gave, as the service would: whatever the
// bytes, the answer is a need that keeps the rules or an error a client
// can act on (400 or 422), never a panic or an internal error.
func checkInput(t *testing.T, in domain.NewNeedInput) {
	t.Helper()
	n, err := domain.NewNeed(in, fuzzPoster, fuzzNow)
	if err != nil {
		if c := apperr.CodeOf(err); c != apperr.Unprocessable {
			t.Fatalf("NewNeed(%+v): code %s: %v", in, c, err)
		}
		return
	}
	if n.Quantity < 1 || n.Status != domain.StatusOpen || len(n.AcceptedStandards) == 0 || n.NeededBy < domain.Today(fuzzNow) {
		t.Fatalf("accepted a need that breaks the rules: %+v from %+v", n, in)
	}
}

func FuzzDecodeNeed(f *testing.F) {
	f.Add([]byte(`{"item":"n95-respirator","quantity":500,"urgency":"critical","needed_by":"2026-03-08","note":"ICU"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		in, err := ports.DecodeNeed(body)
		if err != nil {
			if c := apperr.CodeOf(err); c != apperr.Invalid {
				t.Fatalf("decode: code %s, want invalid (400): %v", c, err)
			}
			return
		}
		checkInput(t, in)
	})
}

func FuzzDecodeNeedsCSV(f *testing.F) {
	f.Add([]byte("item,quantity,urgency,needed_by\ngoggles,10,high,2026-03-08\n"))
	f.Fuzz(func(t *testing.T, body []byte) {
		rows, err := ports.DecodeNeedsCSV(body)
		if err != nil {
			if c := apperr.CodeOf(err); c != apperr.Invalid && c != apperr.TooLarge {
				t.Fatalf("decode: code %s: %v", c, err)
			}
			return
		}
		if len(rows) == 0 || len(rows) > ports.MaxImportRows {
			t.Fatalf("%d rows decoded", len(rows))
		}
		last := 1
		for _, r := range rows {
			if r.Line <= last {
				t.Fatalf("row lines not increasing past the header: %v", fmt.Sprint(rows))
			}
			last = r.Line
			checkInput(t, r.Input)
		}
	})
}
