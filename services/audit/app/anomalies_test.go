package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/audit/app"
)

func accepted(id string, h int) []events.Envelope {
	a := events.Allocation{AllocationID: id, Version: 1, HospitalID: "org_h1", Item: "goggles", Quantity: 10, SourceKind: "capacity", SourceID: "cap_1", SourceOrgID: "org_m1", Status: "proposed"}
	meta := events.Meta{Subject: id, OrgID: "org_m1", Item: "goggles", Time: t0.Add(time.Duration(h) * time.Hour)}
	p := events.MustNew("matcher", events.AllocationEvent{Type: events.AllocationProposedType, Allocation: a}, meta)
	a.Version, a.Status = 2, "accepted"
	return []events.Envelope{p, events.MustNew("matcher", events.AllocationEvent{Type: events.AllocationAcceptedType, Allocation: a}, meta)}
}

func TestRaiseAnomaliesOncePerRuleAndSubject(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	now := t0
	clock := func() time.Time { return now }
	f.app.Now = clock
	for _, e := range append(accepted("alloc_1", 0), accepted("alloc_2", 10)...) {
		mustAppend(t, f.app, e)
	}
	steps := []struct {
		at      time.Duration
		restart bool
		want    []string // raised by this run
		listed  int
	}{
		{47 * time.Hour, false, nil, 0},
		{49 * time.Hour, false, []string{"accepted_not_dispatched:alloc_1"}, 1},
		{50 * time.Hour, false, nil, 1}, // still late: not raised again
		{55 * time.Hour, true, nil, 1},  // nor after a restart
		{59 * time.Hour, false, []string{"accepted_not_dispatched:alloc_2"}, 2},
	}
	a := f.app
	for _, st := range steps {
		now = t0.Add(st.at)
		if st.restart {
			a = f.open(t, f.app.Signer)
			a.Now = clock
		}
		got, err := a.RaiseAnomalies(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, x := range got {
			ids = append(ids, x.ID)
			if !x.RaisedAt.Equal(now) {
				t.Errorf("%s raised at %v, want %v", x.ID, x.RaisedAt, now)
			}
		}
		if len(ids) != len(st.want) || (len(ids) > 0 && ids[0] != st.want[0]) {
			t.Fatalf("at +%v raised %v, want %v", st.at, ids, st.want)
		}
		if l, _ := a.ListAnomalies(app.AnomalyQuery{After: -1, Limit: 10}); len(l) != st.listed {
			t.Fatalf("at +%v listed %d, want %d", st.at, len(l), st.listed)
		}
	}
	if len(f.ans.Events) != 2 {
		t.Fatalf("%d anomaly_raised events, want 2", len(f.ans.Events))
	}
	var d events.AnomalyRaised
	if err := f.ans.Events[0].Decode(&d); err != nil || d.AnomalyID != "accepted_not_dispatched:alloc_1" || d.OrgID != "org_m1" || f.ans.Events[0].Type != events.AnomalyRaisedType {
		t.Fatalf("event %+v, %v", d, err)
	}
	// Listing pages in the order raised, and filters.
	l, more := a.ListAnomalies(app.AnomalyQuery{After: -1, Limit: 1})
	if len(l) != 1 || !more || l[0].SubjectID != "alloc_1" {
		t.Fatalf("first page %+v, more %v", l, more)
	}
	if l, more = a.ListAnomalies(app.AnomalyQuery{After: l[0].Position, Limit: 1}); len(l) != 1 || more || l[0].SubjectID != "alloc_2" {
		t.Fatalf("second page %+v, more %v", l, more)
	}
	if l, _ = a.ListAnomalies(app.AnomalyQuery{After: -1, Limit: 10, Rule: "short_receipt"}); len(l) != 0 {
		t.Fatalf("rule filter: %+v", l)
	}
}
