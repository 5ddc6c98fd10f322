package app_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/audit/app"
	"github.com/aidflow/aidflow/services/audit/domain"
	"github.com/aidflow/aidflow/shared/apperr"
)

type published struct{ evs []events.Envelope }

func (p *published) Publish(_ context.Context, e events.Envelope) error {
	p.evs = append(p.evs, e)
	return nil
}

func TestCorrectionsAreNewRecords(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	pub := &published{}
	f.app.Publisher = pub
	orig := need(0, "org_h1")
	mustAppend(t, f.app, orig)
	mustAppend(t, f.app, need(1, "org_h2"))
	before, _ := f.log.Record(ctx, 0)

	tests := []struct {
		name string
		in   app.CorrectInput
		code apperr.Code
	}{
		{"another organization's record", app.CorrectInput{EventID: orig.ID, Reason: "wrong", By: "org_h2"}, apperr.NotFound},
		{"unknown event", app.CorrectInput{EventID: "evt_nobody", Reason: "wrong", Regulator: true, By: "org_r"}, apperr.NotFound},
		{"no reason", app.CorrectInput{EventID: orig.ID, Reason: "  ", By: "org_h1"}, apperr.Unprocessable},
		{"reason too long", app.CorrectInput{EventID: orig.ID, Reason: strings.Repeat("é", 2001), By: "org_h1"}, apperr.Unprocessable},
		{"corrected not an object", app.CorrectInput{EventID: orig.ID, Reason: "wrong", Corrected: json.RawMessage(`[1]`), By: "org_h1"}, apperr.Unprocessable},
		{"no event id", app.CorrectInput{Reason: "wrong", By: "org_h1"}, apperr.Unprocessable},
	}
	for _, tt := range tests {
		if _, err := f.app.Correct(ctx, tt.in); apperr.CodeOf(err) != tt.code {
			t.Errorf("%s: err = %v, want %s", tt.name, err, tt.code)
		}
	}
	if f.app.Size() != 2 || len(pub.evs) != 0 {
		t.Fatalf("refused corrections changed the log: size %d, %d published", f.app.Size(), len(pub.evs))
	}

	own, err := f.app.Correct(ctx, app.CorrectInput{EventID: orig.ID, Reason: "quantity typed wrong", Corrected: json.RawMessage(`{ "quantity": 10 }`), By: "org_h1"})
	if err != nil {
		t.Fatal(err)
	}
	reg, err := f.app.Correct(ctx, app.CorrectInput{EventID: orig.ID, Reason: "and the date", Regulator: true, By: "org_r"})
	if err != nil {
		t.Fatal(err)
	}
	if own.Index != 2 || reg.Index != 3 || len(pub.evs) != 2 {
		t.Fatalf("corrections at %d and %d, %d published; want 2, 3, 2", own.Index, reg.Index, len(pub.evs))
	}
	var c events.RecordCorrected
	if err := own.Event.Decode(&c); err != nil || c.CorrectsEventID != orig.ID || c.CorrectsIndex != 0 || c.CorrectsType != orig.Type ||
		string(c.Corrected) != `{"quantity":10}` || c.CorrectedBy != "org_h1" {
		t.Fatalf("correction %+v, %v", c, err)
	}
	if own.Event.Subject != orig.Subject || own.Event.OrgID != orig.OrgID || own.Event.Item != orig.Item || own.Event.Type != events.RecordCorrectedType {
		t.Fatalf("correction envelope %+v does not list beside %+v", own.Event, orig)
	}
	// The original is untouched, and names its corrections; an org's
	// history shows both side by side.
	if after, _ := f.log.Record(ctx, 0); string(after.Data) != string(before.Data) {
		t.Fatal("the original record changed")
	}
	for _, a := range []*app.App{f.app, f.open(t, f.app.Signer)} { // and after a restart
		got, _, err := a.ListEvents(ctx, domain.Query{Party: "org_h1", After: -1, Limit: 10})
		if err != nil || len(got) != 3 || got[0].Index != 0 || !slices.Equal(got[0].CorrectedBy, []int64{2, 3}) || got[1].CorrectedBy != nil {
			t.Fatalf("org_h1's history: %+v, %v", got, err)
		}
		if v, err := a.VerifyLog(ctx); err != nil || !v.OK || v.Size != 4 {
			t.Fatalf("verify: %+v, %v", v, err)
		}
	}
}
