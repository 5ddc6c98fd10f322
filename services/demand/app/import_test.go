package app_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/demand/domain"
	"github.com/aidflow/aidflow/shared/apperr"
)

func rowsOf(ins ...domain.NewNeedInput) []domain.ImportRow {
	var out []domain.ImportRow
	for i, in := range ins {
		out = append(out, domain.ImportRow{Line: i + 2, Input: in})
	}
	return out
}

func TestImportNeeds(t *testing.T) {
	a, repo, _ := newApp(t)
	ctx := context.Background()
	needs, err := a.ImportNeeds(ctx, hospitalA, "", rowsOf(input("n95-respirator", "500"), input("goggles", "10"), input("n95-respirator", "20")))
	if err != nil {
		t.Fatal(err)
	}
	if len(needs) != 3 || needs[0].Quantity != 500 || needs[1].Item != "goggles" || needs[2].Revision != 1 {
		t.Fatalf("needs = %+v", needs)
	}
	posted := 0
	for _, e := range repo.Events() {
		if e.Type == events.NeedPostedType {
			posted++
		}
	}
	if posted != 3 || a.Index.Len() != 3 {
		t.Errorf("%d posted, %d indexed", posted, a.Index.Len())
	}
}

func TestImportNeedsAllOrNothing(t *testing.T) {
	a, repo, _ := newApp(t)
	ctx := context.Background()
	if _, err := a.ReportStock(ctx, hospitalA, stockIn("goggles", "0", "10")); err != nil { // limit 300
		t.Fatal(err)
	}
	bad := input("n96", "1.5")
	_, err := a.ImportNeeds(ctx, hospitalA, "", rowsOf(
		input("goggles", "200"), // fine alone
		bad,
		input("goggles", "200"), // over the limit with the row above it
		input("surgical-mask", "10"),
	))
	e := apperr.As(err)
	if e == nil || e.Code != apperr.Unprocessable || !strings.Contains(e.Message, "nothing was created") {
		t.Fatalf("err = %v", err)
	}
	var fields []string
	for _, f := range e.Fields {
		fields = append(fields, f.Field)
	}
	want := []string{"rows[3].item", "rows[3].quantity", "rows[4].quantity"}
	if !slices.Equal(fields, want) {
		t.Errorf("fields = %v, want %v", fields, want)
	}
	if !strings.Contains(e.Fields[2].Message, "anti-hoarding") {
		t.Errorf("hoarding message = %q", e.Fields[2].Message)
	}
	if a.Index.Len() != 0 || len(repo.Events()) != 0 {
		t.Error("a refused import wrote needs")
	}
}

// failingNeeds fails every Create after the first n.
type failingNeeds struct {
	domain.Repository
	left int
}

func (f *failingNeeds) Create(ctx context.Context, n domain.Need, evs ...events.Envelope) error {
	if f.left == 0 {
		return errors.New("store down")
	}
	f.left--
	return f.Repository.Create(ctx, n, evs...)
}

func TestImportNeedsRetryCompletes(t *testing.T) {
	a, repo, _ := newApp(t)
	ctx := context.Background()
	rows := rowsOf(input("goggles", "1"), input("goggles", "2"), input("goggles", "3"))
	a.Needs = &failingNeeds{Repository: repo, left: 1}
	if _, err := a.ImportNeeds(ctx, hospitalA, "key-1", rows); err == nil || !strings.Contains(err.Error(), "1 of 3") {
		t.Fatalf("err = %v", err)
	}
	a.Needs = repo
	needs, err := a.ImportNeeds(ctx, hospitalA, "key-1", rows)
	if err != nil {
		t.Fatal(err)
	}
	if len(needs) != 3 || a.Index.Len() != 3 {
		t.Fatalf("after the retry: %d needs, %d indexed", len(needs), a.Index.Len())
	}
	// Another hospital with the same key gets needs of its own.
	other, err := a.ImportNeeds(ctx, hospitalB, "key-1", rows)
	if err != nil || other[0].ID == needs[0].ID || a.Index.Len() != 6 {
		t.Errorf("another hospital's import: %v, %d indexed", err, a.Index.Len())
	}
}
