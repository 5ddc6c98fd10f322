package replay_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/matcher/adapters/memory"
	"github.com/aidflow/aidflow/services/matcher/app"
	"github.com/aidflow/aidflow/services/matcher/domain"
	"github.com/aidflow/aidflow/services/matcher/ports"
	"github.com/aidflow/aidflow/services/matcher/replay"
	"github.com/aidflow/aidflow/shared/auth"
	"github.com/aidflow/aidflow/shared/bus"
)

var t0 = time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)

// live is a matcher run as the service runs it (its consumers' handlers)
// whose log (every event it consumed and every event it announced, in
// order) is recorded as the audit would.
type live struct {
	t        *testing.T
	ctx      context.Context
	repo     *memory.Repository
	app      *app.App
	handlers map[string]bus.Handler
	now      time.Time
	log      []events.Envelope
	seen     int
	seq      int
	// With async set, each stream is consumed on its own as in the
	// service: publish queues an event on its stream (pending) and
	// consumers take the head of a random stream now and then, the
	// rematch consumer included. streams records every stream's order
	// (the matcher's own as "matcher"), from which an audit log may be
	// merged in any order (auditOrder).
	async   *rand.Rand
	pending map[string][]events.Envelope
	streams map[string][]events.Envelope
}

func newLive(t *testing.T) *live {
	l := &live{t: t, ctx: context.Background(), repo: memory.New(), handlers: map[string]bus.Handler{}, now: t0}
	l.app = app.New(l.repo, 48*time.Hour)
	l.app.Now = func() time.Time { return l.now }
	for _, c := range ports.Consumers(l.app) {
		for _, typ := range c.Spec.Types {
			l.handlers[typ] = c.Handler
		}
	}
	return l
}

// publish hands an event to the matcher as its consumer would, then
// records what the matcher announced (and feeds its own release events
// back, as its rematch consumer does).
func (l *live) publish(source string, d events.Payload, item string) {
	l.t.Helper()
	l.seq++
	e := events.MustNew(source, d, events.Meta{ID: fmt.Sprintf("evt_%03d", l.seq), Item: item, Time: l.now})
	if l.async != nil {
		l.streams[source] = append(l.streams[source], e)
		l.pending[source] = append(l.pending[source], e)
		for range l.async.IntN(3) {
			l.consumeOne()
		}
		return
	}
	l.log = append(l.log, e)
	if err := l.handlers[e.Type](l.ctx, e); err != nil {
		l.t.Fatal(err)
	}
	l.drain()
}

// drain records what the matcher announced and hands its release events
// to the rematch consumer: at once, or queued on its stream when async.
func (l *live) drain() {
	l.t.Helper()
	for evs := l.repo.Events(); l.seen < len(evs); evs = l.repo.Events() {
		e := evs[l.seen]
		l.seen++
		l.log = append(l.log, e)
		h, ok := l.handlers[e.Type]
		if l.async != nil {
			l.streams[domain.Source] = append(l.streams[domain.Source], e)
			if ok {
				l.pending[domain.Source] = append(l.pending[domain.Source], e)
			}
			continue
		}
		if ok {
			if err := h(l.ctx, e); err != nil {
				l.t.Fatal(err)
			}
		}
	}
}

// consumeOne has the consumer of a random stream with events pending
// take its next one.
func (l *live) consumeOne() bool {
	l.t.Helper()
	var ready []string
	for _, s := range slices.Sorted(maps.Keys(l.pending)) {
		if len(l.pending[s]) > 0 {
			ready = append(ready, s)
		}
	}
	if len(ready) == 0 {
		return false
	}
	s := ready[l.async.IntN(len(ready))]
	e := l.pending[s][0]
	l.pending[s] = l.pending[s][1:]
	if s != domain.Source {
		l.log = append(l.log, e)
	}
	if err := l.handlers[e.Type](l.ctx, e); err != nil {
		l.t.Fatal(err)
	}
	l.drain()
	return true
}

// settle lets every consumer catch up.
func (l *live) settle() {
	for l.async != nil && l.consumeOne() {
	}
}

// auditOrder is a log as an audit reading each stream on its own could
// have written it: every stream in its order, the streams merged at
// random. The matcher's own stream is itself a merge: each allocation
// document relays its outbox in order, different documents' at random.
func (l *live) auditOrder(r *rand.Rand) []events.Envelope {
	streams := map[string][]events.Envelope{}
	for s, evs := range l.streams {
		if s != domain.Source {
			streams[s] = evs
		}
	}
	for doc, evs := range outboxes(l.t, l.streams[domain.Source]) {
		streams[domain.Source+"/"+doc] = evs
	}
	next := map[string]int{}
	var out []events.Envelope
	for {
		var ready []string
		for _, s := range slices.Sorted(maps.Keys(streams)) {
			if next[s] < len(streams[s]) {
				ready = append(ready, s)
			}
		}
		if len(ready) == 0 {
			return out
		}
		s := ready[r.IntN(len(ready))]
		out = append(out, streams[s][next[s]])
		next[s]++
	}
}

// outboxes splits the matcher's events, in write order, by the document
// whose outbox holds them: a write's events (they share a sequence) are
// the outbox of the last one's allocation (a redirect's cancellation is
// written with the new allocation).
func outboxes(t *testing.T, evs []events.Envelope) map[string][]events.Envelope {
	out := map[string][]events.Envelope{}
	for i := 0; i < len(evs); {
		seq := sequence(t, evs[i])
		j := i + 1
		for j < len(evs) && sequence(t, evs[j]) == seq {
			j++
		}
		doc := evs[j-1].Subject
		out[doc] = append(out[doc], evs[i:j]...)
		i = j
	}
	return out
}

func sequence(t *testing.T, e events.Envelope) int64 {
	var d events.Allocation
	if err := e.Decode(&d); err != nil {
		t.Fatal(err)
	}
	if d.Sequence == 0 {
		t.Fatalf("event %s has no sequence", e.ID)
	}
	return d.Sequence
}

func (l *live) must(_ domain.Allocation, err error) {
	l.t.Helper()
	if err != nil {
		l.t.Fatal(err)
	}
	l.drain()
}

func (l *live) jsonl() []byte { return jsonl(l.log) }

func jsonl(log []events.Envelope) []byte {
	var b bytes.Buffer
	for _, e := range log {
		raw, _ := json.Marshal(e)
		b.Write(raw)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

func (l *live) find(pred func(domain.Allocation) bool) domain.Allocation {
	l.t.Helper()
	as, _ := l.app.Book.List(domain.ListFilter{Limit: 1000})
	for _, a := range as {
		if pred(a) {
			return a
		}
	}
	l.t.Fatal("no such allocation")
	return domain.Allocation{}
}

// scenario is a day and a half of a small emergency: hospitals, needs,
// stock reports, capacity, a directed donation, a decline (matched
// again), a dispatch and receipt, a regulator's override redirected to
// another hospital, and a sweep the
// next day that serves a need no source could reach in time before.
func scenario(t *testing.T) *live {
	l := newLive(t)
	l.publish("registry", events.OrgRegistered{OrgID: "h1", Role: "hospital", Region: "420100", FacilityType: "designated"}, "")
	l.publish("registry", events.OrgRegistered{OrgID: "h2", Role: "hospital", Region: "330100", FacilityType: "general"}, "")
	l.publish("demand", events.NeedPosted{NeedID: "n1", HospitalID: "h1", Item: "ventilator", Region: "420100", Quantity: 12, Urgency: "critical", NeededBy: "2026-03-06"}, "ventilator")
	l.publish("demand", events.NeedPosted{NeedID: "n2", HospitalID: "h2", Item: "ventilator", Region: "330100", Quantity: 6, Urgency: "high", NeededBy: "2026-03-06"}, "ventilator")
	l.publish("demand", events.NeedPosted{NeedID: "n3", HospitalID: "h2", Item: "n95-respirator", Region: "330100", Quantity: 400, Urgency: "normal", NeededBy: "2026-03-02"}, "n95-respirator")
	l.publish("demand", events.StockReported{HospitalID: "h2", Item: "ventilator", Region: "330100", OnHand: 1, DailyConsumption: 1}, "ventilator")
	l.publish("supply", events.CapacityReported{CapacityID: "c1", ManufacturerID: "m1", Item: "ventilator", Region: "420100", AvailableNow: 9, Revision: 1}, "ventilator")
	l.publish("supply", events.CapacityReported{CapacityID: "c2", ManufacturerID: "m2", Item: "ventilator", Region: "110000", AvailableNow: 6, LeadTimeDays: 1, Revision: 1}, "ventilator")
	l.publish("supply", events.CapacityReported{CapacityID: "c3", ManufacturerID: "m3", Item: "n95-respirator", Region: "440300", AvailableNow: 1000, LeadTimeDays: 2, Revision: 1}, "n95-respirator")
	l.publish("donation", events.DonationPledged{DonationID: "d1", DonorID: "dn1", Region: "110000", DirectedHospitalID: "h1",
		Lines: []events.DonationLine{{OfferID: "d1/0", Item: "ventilator", Quantity: 2}}}, "ventilator")
	l.now = l.now.Add(time.Hour)
	c1 := l.find(func(a domain.Allocation) bool { return a.SourceID == "c1" })
	l.must(l.app.DeclineAllocation(l.ctx, app.Actor{OrgID: "m1", Role: auth.Manufacturer}, c1.ID, "line stopped"))
	c2 := l.find(func(a domain.Allocation) bool { return a.SourceID == "c2" && a.Status == domain.StatusProposed })
	l.must(l.app.AcceptAllocation(l.ctx, app.Actor{OrgID: "m2", Role: auth.Manufacturer}, c2.ID))
	l.must(l.app.DispatchAllocation(l.ctx, app.Actor{OrgID: "m2", Role: auth.Manufacturer}, c2.ID, domain.DispatchInput{ShippedQuantity: c2.Quantity}))
	l.must(l.app.ReceiveAllocation(l.ctx, app.Actor{OrgID: c2.HospitalID, Role: auth.Hospital}, c2.ID, domain.ReceiptInput{ReceivedQuantity: c2.Quantity}))
	l.publish("supply", events.CapacityReported{CapacityID: "c1", ManufacturerID: "m1", Item: "ventilator", Region: "420100", AvailableNow: 4, Revision: 2}, "ventilator")
	l.must(l.app.OverrideAllocation(l.ctx, app.Actor{OrgID: "reg", Role: auth.Regulator}, app.OverrideInput{NeedID: "n3", SourceKind: "capacity", SourceID: "c3", Quantity: 100, Reason: "by hand: air freight"}))
	// A designated hospital needs masks today, which no source reaches in
	// time: the regulator redirects the override to it; c3 reports again,
	// so n3 may take from it once more.
	l.publish("demand", events.NeedPosted{NeedID: "n4", HospitalID: "h1", Item: "n95-respirator", Region: "420100", Quantity: 100, Urgency: "critical", NeededBy: "2026-03-01"}, "n95-respirator")
	override := l.find(func(a domain.Allocation) bool { return a.SourceID == "c3" && a.NeedID == "n3" })
	l.must(l.app.RedirectAllocation(l.ctx, app.Actor{OrgID: "reg", Role: auth.Regulator}, override.ID, app.RedirectInput{NeedID: "n4", Reason: "designated hospital, out today"}))
	l.publish("supply", events.CapacityReported{CapacityID: "c3", ManufacturerID: "m3", Item: "n95-respirator", Region: "440300", AvailableNow: 1000, LeadTimeDays: 2, Revision: 2}, "n95-respirator")
	// The next day n3 (due 2026-03-02, c3 three days away) is overdue: the
	// sweep serves it.
	l.now = t0.Add(48 * time.Hour)
	if err := l.app.Sweep(l.ctx); err != nil {
		t.Fatal(err)
	}
	l.drain()
	return l
}

func TestReplayAgreesWithWhatWasIssued(t *testing.T) {
	l := scenario(t)
	rep, err := replay.Run(context.Background(), bytes.NewReader(l.jsonl()))
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Agrees() || rep.Issued == 0 || rep.Agreed != rep.Issued || rep.Overrides != 2 || len(rep.Sweeps) != 1 {
		t.Fatalf("report %+v", rep)
	}
	var issued int
	for _, e := range l.log {
		if e.Type == events.AllocationProposedType {
			issued++
		}
	}
	if rep.Issued+rep.Overrides != issued {
		t.Fatalf("verified %d + %d overrides of %d issued", rep.Issued, rep.Overrides, issued)
	}
}

// TestReplayReadsAuditPages: the audit's pages ({"items": [...]}, each
// envelope with its index) read the same as JSON lines.
func TestReplayReadsAuditPages(t *testing.T) {
	l := scenario(t)
	var b bytes.Buffer
	for i := 0; i < len(l.log); i += 7 {
		var items []map[string]any
		for j, e := range l.log[i:min(i+7, len(l.log))] {
			raw, _ := json.Marshal(e)
			var m map[string]any
			_ = json.Unmarshal(raw, &m)
			m["index"] = i + j
			items = append(items, m)
		}
		raw, _ := json.Marshal(map[string]any{"items": items, "next": "x"})
		b.Write(raw)
		b.WriteByte('\n')
	}
	rep, err := replay.Run(context.Background(), &b)
	if err != nil || !rep.Agrees() || rep.Events != len(l.log) {
		t.Fatalf("report %+v, %v", rep, err)
	}
}

func TestReplayFindsDisagreements(t *testing.T) {
	tests := []struct {
		name   string
		tamper func(log []events.Envelope) []events.Envelope
		want   string
	}{
		{"an issued quantity altered", func(log []events.Envelope) []events.Envelope {
			for i, e := range log {
				if e.Type == events.AllocationProposedType && strings.Contains(string(e.Data), "aidflow-policy") {
					log[i].Data = json.RawMessage(strings.Replace(string(e.Data), `"quantity":`, `"quantity":1`, 1))
					return log
				}
			}
			return log
		}, "recomputed need"},
		{"a capacity report missing from the log", func(log []events.Envelope) []events.Envelope {
			var out []events.Envelope
			for _, e := range log {
				if e.Type != events.CapacityReportedType || !strings.Contains(string(e.Data), `"c2"`) {
					out = append(out, e)
				}
			}
			return out
		}, "not recomputed"},
		{"a stock report missing: the class was not raised", func(log []events.Envelope) []events.Envelope {
			var out []events.Envelope
			for _, e := range log {
				if e.Type != events.StockReportedType {
					out = append(out, e)
				}
			}
			return out
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := scenario(t)
			l.log = tt.tamper(l.log)
			rep, err := replay.Run(context.Background(), bytes.NewReader(l.jsonl()))
			if err != nil {
				t.Fatal(err)
			}
			if rep.Agrees() {
				t.Fatalf("a tampered log agrees: %+v", rep)
			}
			if tt.want != "" && !strings.Contains(fmt.Sprint(rep.Mismatches), tt.want) {
				t.Fatalf("mismatches %+v do not say %q", rep.Mismatches, tt.want)
			}
		})
	}
}

func TestReplayRefusesWhatIsNotALog(t *testing.T) {
	for _, in := range []string{"not json", `{"hello": 1}`} {
		if _, err := replay.Run(context.Background(), strings.NewReader(in)); err == nil {
			t.Errorf("%q read as a log", in)
		}
	}
}
