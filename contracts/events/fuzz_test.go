package events_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/aidflow/aidflow/contracts/events"
)

// FuzzDecodeEnvelope decodes arbitrary bytes as a consumer does (the
// envelope, then its data by its type through Registry). Whatever comes
// in: no panic; an envelope that decodes survives being encoded again
// with the same id, type, subject, time and data.
func FuzzDecodeEnvelope(f *testing.F) {
	ok := events.MustNew("demand", events.NeedPosted{NeedID: "need_1", Item: "goggles", Quantity: 100}, events.Meta{Subject: "need_1", Item: "goggles", OrgID: "org_1", Time: time.Date(2020, 2, 3, 8, 0, 0, 0, time.UTC)})
	raw, err := json.Marshal(ok)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(raw)
	f.Add([]byte(`{"id":"e1","type":"aidflow.matcher.allocation_proposed.v1","source":"matcher","subject":"a1","time":"2020-02-03T08:00:00Z","data":{"quantity":"ten"}}`))
	f.Add([]byte(`{"id":"e1","type":"aidflow.x","time":"not a time","data":null}`))
	f.Add([]byte(`{"id":"e1","type":"aidflow.registry.token_revoked.v1","data":[1,2]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var e events.Envelope
		if err := json.Unmarshal(body, &e); err != nil {
			return
		}
		_ = e.NATSSubject()
		_ = events.Service(e.Type)
		if mk, known := events.Registry[e.Type]; known && len(e.Data) > 0 {
			_ = e.Decode(mk())
		}
		again, err := json.Marshal(e)
		if err != nil {
			if e.Time.Year() < 0 || e.Time.Year() > 9999 {
				return // a time JSON cannot carry back out; a producer never makes one
			}
			t.Fatalf("encode %+v: %v", e, err)
		}
		var back events.Envelope
		if err := json.Unmarshal(again, &back); err != nil {
			t.Fatalf("decode our own %s: %v", again, err)
		}
		if back.ID != e.ID || back.Type != e.Type || back.Subject != e.Subject || !back.Time.Equal(e.Time) || back.NATSSubject() != e.NATSSubject() {
			t.Fatalf("round trip changed the envelope: %+v → %+v", e, back)
		}
	})
}
