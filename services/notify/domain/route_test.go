package domain_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/notify/domain"
	"github.com/aidflow/aidflow/shared/auth"
)

var t0 = time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)

func alloc(kind, status string) events.Allocation {
	return events.Allocation{
		AllocationID: "alloc-1", Version: 2, NeedID: "need-1", HospitalID: "hosp-1", HospitalRegion: "420100",
		Item: "n95-respirator", Quantity: 1000, SourceKind: kind, SourceID: "src-1", SourceOrgID: "src-org",
		SourceRegion: "330100", Status: status, DecidedBy: "policy", Reason: "rule 2",
		StatusReason: "call Mr Wang on 13800138000", CreatedAt: "2026-03-01T08:00:00Z", UpdatedAt: "2026-03-01T08:00:00Z",
	}
}

func allocEvent(typ, kind, status string) events.Envelope {
	return events.MustNew("matcher", events.AllocationEvent{Type: typ, Allocation: alloc(kind, status)},
		events.Meta{Subject: "alloc-1", OrgID: "src-org", Item: "n95-respirator", Time: t0})
}

type told struct{ typ, org, role string }

func TestRouteTellsEachOrganizationWhatConcernsIt(t *testing.T) {
	need := events.NeedStale{NeedID: "need-1", HospitalID: "hosp-1", Item: "goggles", Region: "420100", Status: "stale"}
	cases := []struct {
		name string
		e    events.Envelope
		want []told
	}{
		{"capacity proposed: the manufacturer and the hospital", allocEvent(events.AllocationProposedType, "capacity", "proposed"),
			[]told{{domain.AllocationProposed, "src-org", ""}, {domain.NeedAllocated, "hosp-1", ""}}},
		{"donation proposed: the donor and the hospital", allocEvent(events.AllocationProposedType, "donation", "proposed"),
			[]told{{domain.DonationAllocated, "src-org", ""}, {domain.NeedAllocated, "hosp-1", ""}}},
		{"accepted: nobody (the source did it; the hospital heard at proposal)", allocEvent(events.AllocationAcceptedType, "capacity", "accepted"), nil},
		{"declined: nobody", allocEvent(events.AllocationDeclinedType, "capacity", "declined"), nil},
		{"capacity dispatched: the hospital", allocEvent(events.AllocationDispatchedType, "capacity", "dispatched"),
			[]told{{domain.NeedDispatched, "hosp-1", ""}}},
		{"donation dispatched: the donor and the hospital", allocEvent(events.AllocationDispatchedType, "donation", "dispatched"),
			[]told{{domain.DonationDispatched, "src-org", ""}, {domain.NeedDispatched, "hosp-1", ""}}},
		{"donation received: the donor", allocEvent(events.AllocationReceivedType, "donation", "delivered"),
			[]told{{domain.DonationDelivered, "src-org", ""}}},
		{"capacity received: nobody (the hospital did it)", allocEvent(events.AllocationReceivedType, "capacity", "delivered"), nil},
		{"capacity expired: the manufacturer", allocEvent(events.AllocationExpiredType, "capacity", "expired"),
			[]told{{domain.AllocationExpired, "src-org", ""}}},
		{"capacity cancelled: the manufacturer and the hospital", allocEvent(events.AllocationCancelledType, "capacity", "cancelled"),
			[]told{{domain.AllocationCancelled, "src-org", ""}, {domain.NeedAllocationCancelled, "hosp-1", ""}}},
		{"donation cancelled: the hospital", allocEvent(events.AllocationCancelledType, "donation", "cancelled"),
			[]told{{domain.NeedAllocationCancelled, "hosp-1", ""}}},
		{"need stale: its hospital", events.MustNew("demand", need, events.Meta{Subject: "need-1", OrgID: "hosp-1"}),
			[]told{{domain.NeedStale, "hosp-1", ""}}},
		{"need posted: nobody", events.MustNew("demand", events.NeedPosted{NeedID: "n", HospitalID: "hosp-1"}, events.Meta{}), nil},
		{"directed gift overdue: its donor", events.MustNew("donation", events.DirectedGiftOverdue{DonationID: "don-1", DonorID: "donor-1",
			DirectedHospitalID: "hosp-1", PledgedAt: "2026-03-01T08:00:00Z", DueAt: "2026-03-04T08:00:00Z", Pledged: 10}, events.Meta{}),
			[]told{{domain.DonationOverdue, "donor-1", ""}}},
		{"anomaly: every regulator", events.MustNew("audit", events.AnomalyRaised{AnomalyID: "r:alloc-1", Rule: "r", SubjectKind: "allocation",
			SubjectID: "alloc-1", OrgID: "src-org", Threshold: "48h", Observed: "52h"}, events.Meta{}),
			[]told{{domain.AnomalyRaised, "", auth.Regulator}}},
		{"an org registered: nobody", events.MustNew("registry", events.OrgRegistered{OrgID: "o", Name: "n", Role: "donor"}, events.Meta{}), nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ns, err := domain.Route(c.e)
			if err != nil {
				t.Fatal(err)
			}
			var got []told
			for _, n := range ns {
				got = append(got, told{n.Type, n.OrgID, n.Role})
				allowed := domain.EventsByRole[n.Role]
				if n.Role == "" {
					// The type must be one some role may subscribe to.
					for _, evs := range domain.EventsByRole {
						allowed = append(allowed, evs...)
					}
				}
				if !slices.Contains(allowed, n.Type) {
					t.Errorf("%s is not a type anyone may subscribe to", n.Type)
				}
			}
			if !slices.Equal(got, c.want) {
				t.Fatalf("told %v, want %v", got, c.want)
			}
			again, _ := domain.Route(c.e)
			for i := range ns {
				if ns[i].ID != again[i].ID {
					t.Fatal("the same event made a notification with another id")
				}
			}
		})
	}
}

func TestRouteGivesEachRoleOnlyItsOwnTypes(t *testing.T) {
	// What a manufacturer is told is a manufacturer's type, and so on:
	// the role a notification's audience has is never in doubt.
	ns, _ := domain.Route(allocEvent(events.AllocationCancelledType, "capacity", "cancelled"))
	for _, n := range ns {
		role := map[string]string{"src-org": auth.Manufacturer, "hosp-1": auth.Hospital}[n.OrgID]
		if !slices.Contains(domain.EventsByRole[role], n.Type) {
			t.Errorf("%s told %s, not a %s type", n.OrgID, n.Type, role)
		}
	}
}

func TestNotificationsCarryNoFreeTextOrPersonalData(t *testing.T) {
	for _, typ := range events.AllocationTypes {
		for _, kind := range []string{"capacity", "donation"} {
			ns, err := domain.Route(allocEvent(typ, kind, "x"))
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range ns {
				body := string(n.Body())
				for _, bad := range []string{"13800138000", "Wang", "status_reason", "rule 2", "decided_by"} {
					if strings.Contains(body, bad) {
						t.Errorf("%s body carries %q: %s", n.Type, bad, body)
					}
				}
				var back map[string]any
				if err := json.Unmarshal(n.Body(), &back); err != nil || back["id"] != n.ID || back["type"] != n.Type {
					t.Errorf("body %s: %v", body, err)
				}
			}
		}
	}
}

func TestConcernsAndFeeds(t *testing.T) {
	org := domain.Notification{OrgID: "o1"}
	if !org.Concerns("o1", auth.Hospital) || org.Concerns("o2", auth.Hospital) || org.FeedKey() != "o1" {
		t.Fatal("an organization's notification")
	}
	reg := domain.Notification{Role: auth.Regulator}
	if !reg.Concerns("r1", auth.Regulator) || reg.Concerns("h1", auth.Hospital) {
		t.Fatal("a regulators' notification")
	}
	if reg.FeedKey() != domain.FeedKeyOf(auth.Claims{OrgID: "r1", Role: auth.Regulator}) {
		t.Fatal("regulators read the regulators' feed")
	}
	if domain.FeedKeyOf(auth.Claims{OrgID: "h1", Role: auth.Hospital}) != "h1" {
		t.Fatal("others read their own")
	}
}

func TestWatch(t *testing.T) {
	e := allocEvent(events.AllocationProposedType, "capacity", "proposed")
	if _, ok, _ := domain.WatchOf(e); ok {
		t.Fatal("a proposal without expires_at starts no watch")
	}
	a := alloc("capacity", "proposed")
	a.ExpiresAt = "2026-03-03T08:00:00Z"
	e = events.MustNew("matcher", events.AllocationEvent{Type: events.AllocationProposedType, Allocation: a}, events.Meta{Subject: "alloc-1"})
	w, ok, err := domain.WatchOf(e)
	if err != nil || !ok || w.OrgID != "src-org" || !w.ExpiresAt.Equal(t0.Add(48*time.Hour)) {
		t.Fatalf("watch %+v %v %v", w, ok, err)
	}
	within := 6 * time.Hour
	for _, c := range []struct {
		at  time.Time
		due bool
	}{
		{t0, false}, {w.ExpiresAt.Add(-within - time.Second), false}, {w.ExpiresAt.Add(-within), true},
		{w.ExpiresAt.Add(-time.Second), true}, {w.ExpiresAt, false},
	} {
		if w.Due(c.at, within) != c.due {
			t.Errorf("due at %s = %v", c.at, !c.due)
		}
	}
	n := w.Notification(t0)
	if n.Type != domain.AllocationExpiring || n.OrgID != "src-org" || n.Data["expires_at"] != "2026-03-03T08:00:00Z" {
		t.Fatalf("notification %+v", n)
	}
	if w.Notification(t0.Add(time.Hour)).ID != n.ID {
		t.Fatal("the expiring notice of one allocation has one id")
	}
	a.SourceKind = "donation"
	e = events.MustNew("matcher", events.AllocationEvent{Type: events.AllocationProposedType, Allocation: a}, events.Meta{Subject: "alloc-1"})
	if _, ok, _ := domain.WatchOf(e); ok {
		t.Fatal("donations do not expire")
	}
	for _, typ := range events.AllocationTypes {
		_, ends := domain.Ends(allocEvent(typ, "capacity", "x"))
		if ends != (typ != events.AllocationProposedType) {
			t.Errorf("%s ends the watch: %v", typ, ends)
		}
	}
}
