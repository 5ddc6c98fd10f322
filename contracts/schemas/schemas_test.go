package schemas_test

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/contracts/schemas"
	"github.com/aidflow/aidflow/contracts/schemas/validator"
)

// sample is a populated value of every event type. Every field is set
// (checked below), so a field added to a Go type without a schema change
// fails validation against additionalProperties: false.
func samples() map[string]events.Payload {
	need := events.NeedChanged{NeedID: "need-1", HospitalID: "org-h1", Item: "n95-respirator", Region: "420100", Status: "open"}
	alloc := events.Allocation{
		AllocationID: "alloc-1", Version: 3, NeedID: "need-1", HospitalID: "org-h1", HospitalRegion: "420100",
		Item: "n95-respirator", Quantity: 1000, SourceKind: "capacity", SourceID: "cap-1", SourceOrgID: "org-m1",
		SourceRegion: "330100", Status: "dispatched", ShippedQuantity: 1000, ReceivedQuantity: 980, DamagedQuantity: 20,
		DecidedBy: "policy/v1", Reason: "rule 2: critical class", StatusReason: "carrier delay",
		StatusBy: "regulator:org-r1", RedirectedFrom: "alloc-0", RedirectedTo: "alloc-2",
		CreatedAt: "2026-03-01T08:00:00Z", UpdatedAt: "2026-03-02T09:30:00.123Z", ExpiresAt: "2026-03-03T08:00:00Z",
		Partition: "masks", Sequence: 42, Applied: map[string]string{"demand": "evt-9", "supply": "evt-4"},
	}
	s := map[string]events.Payload{
		events.OrgRegisteredType: events.OrgRegistered{OrgID: "org-h1", Name: "Wuhan Jinyintan Hospital", Role: "hospital", Region: "420100", FacilityType: "designated"},
		events.TokenIssuedType:   events.TokenIssued{TokenID: "tok-1", OrgID: "org-h1", Role: "hospital"},
		events.TokenRevokedType:  events.TokenRevoked{TokenID: "tok-1", OrgID: "org-h1"},
		events.NeedPostedType: events.NeedPosted{NeedID: "need-1", HospitalID: "org-h1", Item: "n95-respirator", Quantity: 1000,
			Urgency: "critical", NeededBy: "2026-03-08", AcceptedStandards: []string{"GB 19083"}, Region: "420100"},
		events.NeedConfirmedType: events.NeedConfirmed(need),
		events.NeedCancelledType: events.NeedCancelled(need),
		events.NeedStaleType:     events.NeedStale(need),
		events.StockReportedType: events.StockReported{HospitalID: "org-h1", Item: "n95-respirator", Region: "420100",
			OnHand: 300, DailyConsumption: 200, DaysOfSupply: 1.5},
		events.CapacityReportedType: events.CapacityReported{CapacityID: "cap-1", ManufacturerID: "org-m1", Item: "n95-respirator",
			Region: "330100", AvailableNow: 50000, DailyRate: 20000, LeadTimeDays: 2, Standard: "GB 19083", UnitPrice: 350, Revision: 4},
		events.DonationPledgedType: events.DonationPledged{DonationID: "don-1", DonorID: "org-d1", Region: "110000",
			Lines:              []events.DonationLine{{OfferID: "don-1/0", Item: "protective-suit", Quantity: 500, Standard: "GB 19082"}},
			DirectedHospitalID: "org-h2", DirectedRegion: "420000", PublicName: "Beijing Example Foundation"},
		events.DirectedGiftOverdueType: events.DirectedGiftOverdue{DonationID: "don-1", DonorID: "org-d1", DirectedHospitalID: "org-h2",
			DirectedRegion: "420000", PledgedAt: "2026-03-01T08:00:00Z", DueAt: "2026-03-04T08:00:00Z", FlaggedAt: "2026-03-04T08:05:00Z",
			Pledged: 500, Delivered: 120},
		events.AnomalyRaisedType: events.AnomalyRaised{AnomalyID: "accepted_not_dispatched:alloc-1", Rule: "accepted_not_dispatched",
			SubjectKind: "allocation", SubjectID: "alloc-1", OrgID: "org-m1", Item: "n95-respirator", Region: "330100",
			Threshold: "48h", Observed: "accepted 52h ago, not dispatched", Since: "2026-03-01T08:00:00Z", RaisedAt: "2026-03-03T12:00:00Z"},
		events.RecordCorrectedType: events.RecordCorrected{CorrectsEventID: "evt-1", CorrectsIndex: 42, CorrectsType: events.DonationPledgedType,
			Reason: "the quantity was typed as 5000, the donor pledged 500", Corrected: json.RawMessage(`{"lines":[{"quantity":500}]}`), CorrectedBy: "org-d1"},
		events.AnomalyReviewedType: events.AnomalyReviewed{AnomalyID: "accepted_not_dispatched:alloc-1", Rule: "accepted_not_dispatched",
			Note: "the carrier confirmed a road closure; shipped by rail on 3 March", ReviewedBy: "org-r1"},
		events.CheckpointSignedType: events.CheckpointSigned{Size: 1024, RootHash: "q4T0yQF0bYqXz6p2mG0n6Q0bK0tB8y0sV7E5x8m2ZxQ="},
	}
	for _, t := range events.AllocationTypes {
		s[t] = events.AllocationEvent{Type: t, Allocation: alloc}
	}
	return s
}

// registryValue converts a sample to the type events.Registry decodes into.
func registryValue(p events.Payload) any {
	switch v := p.(type) {
	case events.NeedConfirmed:
		return events.NeedChanged(v)
	case events.NeedCancelled:
		return events.NeedChanged(v)
	case events.NeedStale:
		return events.NeedChanged(v)
	case events.AllocationEvent:
		return v.Allocation
	}
	return p
}

func mustValidator(tb testing.TB) *validator.Validator {
	tb.Helper()
	v, err := validator.New()
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

func TestEveryEventRoundTripsAndValidates(t *testing.T) {
	v := mustValidator(t)
	s := samples()
	for typ, newData := range events.Registry {
		t.Run(typ, func(t *testing.T) {
			p, ok := s[typ]
			if !ok {
				t.Fatalf("no sample for %s: add one to samples()", typ)
			}
			if p.EventType() != typ {
				t.Fatalf("sample's EventType() = %s", p.EventType())
			}
			want := registryValue(p)
			if zero := zeroFields(reflect.ValueOf(want), ""); len(zero) > 0 {
				t.Fatalf("sample leaves fields unset, so the schema is not exercised: %v", zero)
			}
			env, err := events.New(events.Service(typ), p, events.Meta{
				Subject: "subject-1", OrgID: "org-1", Item: "n95-respirator",
				Time: time.Date(2026, 3, 1, 8, 0, 0, 123456789, time.FixedZone("CST", 8*3600)),
			})
			if err != nil {
				t.Fatal(err)
			}
			raw, err := json.Marshal(env)
			if err != nil {
				t.Fatal(err)
			}

			var back events.Envelope
			if err := json.Unmarshal(raw, &back); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(back, env) {
				t.Errorf("envelope round trip:\n got %+v\nwant %+v", back, env)
			}
			got := newData()
			if err := back.Decode(got); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(reflect.ValueOf(got).Elem().Interface(), want) {
				t.Errorf("data round trip:\n got %+v\nwant %+v", got, want)
			}

			if err := v.Envelope(raw); err != nil {
				t.Errorf("envelope: %v", err)
			}
			if err := v.Data(typ, back.Data); err != nil {
				t.Errorf("data: %v", err)
			}
			if err := v.Event(raw); err != nil {
				t.Errorf("event: %v", err)
			}
		})
	}
}

// zeroFields names the fields of a struct left at their zero value.
func zeroFields(v reflect.Value, prefix string) []string {
	var out []string
	for i := 0; i < v.NumField(); i++ {
		f, fv := v.Type().Field(i), v.Field(i)
		if !f.IsExported() {
			continue
		}
		name := prefix + f.Name
		switch {
		case f.Anonymous && fv.Kind() == reflect.Struct:
			out = append(out, zeroFields(fv, prefix)...)
		case fv.IsZero():
			out = append(out, name)
		case fv.Kind() == reflect.Slice && fv.Type().Elem().Kind() == reflect.Struct:
			for j := 0; j < fv.Len(); j++ {
				out = append(out, zeroFields(fv.Index(j), name+".")...)
			}
		}
	}
	return out
}

func TestRegistryAndSchemasMatch(t *testing.T) {
	have := schemas.EventTypes()
	for typ := range events.Registry {
		if !slices.Contains(have, typ) {
			t.Errorf("%s is in events.Registry but has no schema %s", typ, schemas.EventPath(typ))
		}
		if _, err := schemas.EventSchema(typ); err != nil {
			t.Error(err)
		}
	}
	for _, typ := range have {
		if _, ok := events.Registry[typ]; !ok {
			t.Errorf("schema %s names no type in events.Registry", schemas.EventPath(typ))
		}
	}
	if len(have) != len(events.Registry) {
		t.Errorf("%d schemas, %d registered types", len(have), len(events.Registry))
	}
}

// Every schema file is a draft 2020-12 schema titled with its type, so the
// published files say what they are.
func TestSchemaFilesAreWellFormed(t *testing.T) {
	for _, typ := range schemas.EventTypes() {
		b, err := schemas.EventSchema(typ)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Schema string `json:"$schema"`
			Title  string `json:"title"`
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatalf("%s: %v", typ, err)
		}
		if doc.Schema != "https://json-schema.org/draft/2020-12/schema" || doc.Title != typ {
			t.Errorf("%s: $schema %q title %q", typ, doc.Schema, doc.Title)
		}
	}
	if _, err := schemas.EventSchema("aidflow.demand.unknown.v1"); err == nil {
		t.Error("EventSchema of an unknown type succeeded")
	}
	if _, err := schemas.EventSchema("../envelope"); err == nil {
		t.Error("EventSchema accepted a path")
	}
}

// The schemas must catch the drifts they exist for.
func TestSchemasRejectBadData(t *testing.T) {
	v := mustValidator(t)
	tests := []struct {
		name, typ, data string
	}{
		{"unknown field", events.TokenRevokedType, `{"token_id":"t","org_id":"o","token":"secret"}`},
		{"missing field", events.TokenRevokedType, `{"token_id":"t"}`},
		{"bad region", events.OrgRegisteredType, `{"org_id":"o","name":"n","role":"hospital","region":"4201"}`},
		{"bad role", events.OrgRegisteredType, `{"org_id":"o","name":"n","role":"operator","region":"420100"}`},
		{"zero quantity", events.NeedPostedType, `{"need_id":"n","hospital_id":"h","item":"goggles","quantity":0,"urgency":"high","needed_by":"2026-03-01","accepted_standards":["GB 14866"],"region":"420100"}`},
		{"null standards", events.NeedPostedType, `{"need_id":"n","hospital_id":"h","item":"goggles","quantity":1,"urgency":"high","needed_by":"2026-03-01","accepted_standards":null,"region":"420100"}`},
		{"bad date", events.NeedPostedType, `{"need_id":"n","hospital_id":"h","item":"goggles","quantity":1,"urgency":"high","needed_by":"2026-02-30","accepted_standards":["GB 14866"],"region":"420100"}`},
		{"bad need status", events.NeedStaleType, `{"need_id":"n","hospital_id":"h","item":"goggles","region":"420100","status":"gone"}`},
		{"no lines", events.DonationPledgedType, `{"donation_id":"d","donor_id":"o","region":"110000","lines":[]}`},
		{"allocation without reason", events.AllocationProposedType, `{"allocation_id":"a","version":1,"need_id":"n","hospital_id":"h","hospital_region":"420100","item":"goggles","quantity":10,"source_kind":"capacity","source_id":"c","source_org_id":"m","source_region":"330100","status":"proposed","shipped_quantity":0,"received_quantity":0,"damaged_quantity":0,"decided_by":"policy/v1","reason":"","created_at":"2026-03-01T08:00:00Z","updated_at":"2026-03-01T08:00:00Z"}`},
		{"allocation applied from no input stream", events.AllocationProposedType, `{"allocation_id":"a","version":1,"need_id":"n","hospital_id":"h","hospital_region":"420100","item":"goggles","quantity":10,"source_kind":"capacity","source_id":"c","source_org_id":"m","source_region":"330100","status":"proposed","shipped_quantity":0,"received_quantity":0,"damaged_quantity":0,"decided_by":"policy/v1","reason":"r","created_at":"2026-03-01T08:00:00Z","updated_at":"2026-03-01T08:00:00Z","applied":{"matcher":"e1"}}`},
		{"allocation applied up to an empty id", events.AllocationProposedType, `{"allocation_id":"a","version":1,"need_id":"n","hospital_id":"h","hospital_region":"420100","item":"goggles","quantity":10,"source_kind":"capacity","source_id":"c","source_org_id":"m","source_region":"330100","status":"proposed","shipped_quantity":0,"received_quantity":0,"damaged_quantity":0,"decided_by":"policy/v1","reason":"r","created_at":"2026-03-01T08:00:00Z","updated_at":"2026-03-01T08:00:00Z","applied":{"demand":""}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := v.Data(tt.typ, []byte(tt.data)); err == nil {
				t.Errorf("accepted %s", tt.data)
			}
		})
	}
	if err := v.Data("aidflow.nope.nope.v1", []byte(`{}`)); err == nil || !strings.Contains(err.Error(), "no schema") {
		t.Errorf("unknown type: %v", err)
	}
	if err := v.Envelope([]byte(`{"id":"x","type":"aidflow.demand.need_posted.v1","source":"demand","subject":"s","time":"2026-03-01T08:00:00Z","data":{},"extra":1}`)); err == nil {
		t.Error("envelope with an unknown field accepted")
	}
}
