// Package replay recomputes every allocation of an exported event log with
// this build's policy and reports whether it agrees with what was issued:
// the check DESIGN.md promises anyone holding the audit log ("same events
// in, same allocations out").
//
// The matcher reads each of its input streams (registry, demand, supply,
// donation) in order but the streams independently, so the audit log may
// interleave them otherwise than the matcher applied them. Its allocation
// events say how far it had read each (events.Allocation.Applied), which
// partition wrote them, and the write's number in that partition's order
// (Sequence; the stream relays each allocation's events in order, not
// different allocations'). The replay follows each partition's writes in
// that order, event by event: before each, it applies every input stream up to what
// that event says the matcher had applied (an input later in the log than
// the allocation is read ahead), with the service's own consumers over an
// in-memory matcher per partition (ports.Consumers, app.App.Deferred:
// applied, not matched). The matcher's allocation events are facts the
// replay adopts: a source's accept, decline or dispatch, a hospital's
// receipt, an expiry, a regulator's override. Each allocation_proposed the
// policy issued is compared with the allocation the replay computes under
// the same id: same need, source, quantity, policy version and reason, or
// a mismatch. Where they differ the issued one is adopted, so one mismatch
// does not cascade.
//
// An allocation's id names its run (NewAllocationID of the triggering
// event, the item and the run's count so far): the input event, the
// release (decline, expiry, cancellation, receipt) or the day's sweep.
// Where the first allocation of a run appears, the replay runs the policy
// for that item on that trigger, at the state the matcher had; the rest of
// the run's allocations must then be the ones it computed, and any it
// computed that were never issued are reported at the end. A run that
// issued nothing leaves no trace in the log and is not recomputed (see the
// README's Limits). Logs from before allocation events said how far the
// matcher had read are replayed in the log's own order.
package replay

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"time"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/matcher/adapters/memory"
	"github.com/aidflow/aidflow/services/matcher/app"
	"github.com/aidflow/aidflow/services/matcher/domain"
	"github.com/aidflow/aidflow/services/matcher/domain/policy"
	"github.com/aidflow/aidflow/services/matcher/ports"
	"github.com/aidflow/aidflow/shared/bus"
)

// Report is what a replay found.
type Report struct {
	// Events is how many envelopes were read; Inputs how many of them the
	// matcher consumes.
	Events int `json:"events"`
	Inputs int `json:"inputs"`
	// Issued counts allocations the log shows decided by this policy
	// version; Agreed those the replay recomputed identically.
	Issued int `json:"issued"`
	Agreed int `json:"agreed"`
	// Overrides are regulators' allocations, adopted as issued.
	Overrides int `json:"overrides"`
	// OtherVersions counts allocations decided by another policy version:
	// adopted, not verified (this build cannot decide as they did).
	OtherVersions int `json:"other_versions"`
	// Sweeps lists the sweep runs recomputed.
	Sweeps     []string   `json:"sweeps,omitempty"`
	Mismatches []Mismatch `json:"mismatches,omitempty"`
}

// Agrees reports whether every allocation issued by this policy version
// was recomputed identically and nothing else was.
func (r Report) Agrees() bool { return len(r.Mismatches) == 0 }

// Mismatch is one disagreement.
type Mismatch struct {
	AllocationID string `json:"allocation_id,omitempty"`
	EventID      string `json:"event_id,omitempty"`
	Problem      string `json:"problem"`
}

type replayer struct {
	ctx    context.Context
	report Report
	// streams are the input events of each stream in log order, which is
	// the stream's order: the audit appends each stream as it reads it.
	streams map[string][]events.Envelope
	// at locates an input event in its stream and in the log.
	at map[string]position
	// parts are the matchers that wrote the log, by partition name.
	parts map[string]*partition
	// now is the time of the matcher event in hand: the replay's clock.
	now     time.Time
	issued  map[string]bool
	sweeps  map[string]bool
	missing map[string]bool
}

type position struct {
	stream     string
	index, log int
}

// partition is one matcher as the replay rebuilds it.
type partition struct {
	repo     *memory.Repository
	app      *app.App
	handlers map[string]bus.Handler
	// next is, per stream, the index of the first event not yet applied.
	next map[string]int
	// triggers are the events that may start a run of this matcher, in
	// the order it saw them: the inputs it applied and its own releases.
	triggers []events.Envelope
}

// allocationTypes are the matcher's own events.
var allocationTypes = map[string]bool{
	events.AllocationProposedType: true, events.AllocationAcceptedType: true, events.AllocationDeclinedType: true,
	events.AllocationDispatchedType: true, events.AllocationReceivedType: true, events.AllocationExpiredType: true,
	events.AllocationCancelledType: true,
}

// Run replays the log read from r: JSON envelopes one after another (JSON
// lines), or pages of the audit's GET /v1/audit/events ({"items": [...]}),
// in log order. Extra fields (the audit's index) are ignored. The whole
// log is read first: an allocation may come before, in the log, an input
// the matcher had applied.
func Run(ctx context.Context, r io.Reader) (Report, error) {
	rp := &replayer{ctx: ctx, streams: map[string][]events.Envelope{}, at: map[string]position{},
		parts: map[string]*partition{}, issued: map[string]bool{}, sweeps: map[string]bool{}, missing: map[string]bool{}}
	inputs := map[string]bool{}
	for _, c := range ports.Consumers(app.New(memory.New(), app.DefaultTTL)) {
		if c.Spec.Stream != domain.Source {
			for _, t := range c.Spec.Types {
				inputs[t] = true
			}
		}
	}
	var log []events.Envelope
	dec := json.NewDecoder(bufio.NewReaderSize(r, 1<<20))
	for {
		var raw json.RawMessage
		if err := dec.Decode(&raw); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return rp.report, fmt.Errorf("read the log after %d events: %w", len(log), err)
		}
		envs, err := envelopes(raw)
		if err != nil {
			return rp.report, fmt.Errorf("read the log after %d events: %w", len(log), err)
		}
		log = append(log, envs...)
	}
	rp.report.Events = len(log)
	for i, e := range log {
		if inputs[e.Type] {
			rp.report.Inputs++
			rp.at[e.ID] = position{stream: e.Source, index: len(rp.streams[e.Source]), log: i}
			rp.streams[e.Source] = append(rp.streams[e.Source], e)
		}
	}
	// Each partition's writes in the order it made them: its stream
	// relays each allocation's events in order, not different
	// allocations' (each relays its own outbox).
	writes := map[string][]write{}
	for i, e := range log {
		if !allocationTypes[e.Type] {
			continue
		}
		var d events.Allocation
		if err := e.Decode(&d); err != nil {
			return rp.report, fmt.Errorf("event %s: %w", e.ID, err)
		}
		writes[d.Partition] = append(writes[d.Partition], write{e: e, d: d, log: i})
	}
	for _, name := range slices.Sorted(maps.Keys(writes)) {
		ws := writes[name]
		slices.SortStableFunc(ws, func(a, b write) int { return cmp.Compare(a.d.Sequence, b.d.Sequence) })
		for _, w := range ws {
			if err := rp.matcherEvent(w.e, w.d, w.log); err != nil {
				return rp.report, err
			}
		}
	}
	rp.finish()
	return rp.report, nil
}

// write is one of the matcher's events: its data and its place in the log.
type write struct {
	e   events.Envelope
	d   events.Allocation
	log int
}

// envelopes reads one JSON value: an envelope or a page of them.
func envelopes(raw json.RawMessage) ([]events.Envelope, error) {
	var page struct {
		Items []events.Envelope `json:"items"`
	}
	if bytes.Contains(raw, []byte(`"items"`)) {
		if err := json.Unmarshal(raw, &page); err == nil && page.Items != nil {
			return page.Items, nil
		}
	}
	var e events.Envelope
	if err := json.Unmarshal(raw, &e); err != nil {
		return nil, err
	}
	if e.ID == "" || e.Type == "" {
		return nil, fmt.Errorf("not an event envelope: %.80s", raw)
	}
	return []events.Envelope{e}, nil
}

func (rp *replayer) mismatch(allocID, eventID, format string, args ...any) {
	rp.report.Mismatches = append(rp.report.Mismatches, Mismatch{AllocationID: allocID, EventID: eventID, Problem: fmt.Sprintf(format, args...)})
}

// partition is the matcher named, made on its first event.
func (rp *replayer) partition(name string) *partition {
	if p, ok := rp.parts[name]; ok {
		return p
	}
	p := &partition{repo: memory.New(), handlers: map[string]bus.Handler{}, next: map[string]int{}}
	p.app = app.New(p.repo, app.DefaultTTL)
	p.app.Now = func() time.Time { return rp.now }
	p.app.Deferred = true
	for _, c := range ports.Consumers(p.app) {
		for _, t := range c.Spec.Types {
			p.handlers[t] = c.Handler
		}
	}
	rp.parts[name] = p
	return p
}

// matcherEvent brings the partition that wrote e to what it had read,
// then checks and adopts e. i is e's place in the log.
func (rp *replayer) matcherEvent(e events.Envelope, d events.Allocation, i int) error {
	p := rp.partition(d.Partition)
	rp.catchUp(p, e, d, i)
	rp.now = e.Time
	if err := rp.allocation(p, e, d); err != nil {
		return err
	}
	switch e.Type {
	case events.AllocationDeclinedType, events.AllocationExpiredType, events.AllocationCancelledType, events.AllocationReceivedType:
		p.triggers = append(p.triggers, e)
	}
	return nil
}

// catchUp applies, per stream, the inputs up to the last one the event
// says its matcher had applied; without that record (older logs), the
// inputs before the event in the log.
func (rp *replayer) catchUp(p *partition, e events.Envelope, d events.Allocation, i int) {
	if d.Applied == nil {
		for _, stream := range slices.Sorted(maps.Keys(rp.streams)) {
			evs := rp.streams[stream]
			for p.next[stream] < len(evs) && rp.at[evs[p.next[stream]].ID].log < i {
				rp.apply(p, stream)
			}
		}
		return
	}
	for _, stream := range slices.Sorted(maps.Keys(d.Applied)) {
		id := d.Applied[stream]
		at, ok := rp.at[id]
		if !ok || at.stream != stream {
			if !rp.missing[id] {
				rp.missing[id] = true
				rp.mismatch(d.AllocationID, e.ID, "the matcher had applied %s event %s, which the log lacks", stream, id)
			}
			continue
		}
		for p.next[stream] <= at.index {
			rp.apply(p, stream)
		}
	}
}

// apply hands the partition the next event of stream.
func (rp *replayer) apply(p *partition, stream string) {
	e := rp.streams[stream][p.next[stream]]
	p.next[stream]++
	p.triggers = append(p.triggers, e)
	if err := p.handlers[e.Type](rp.ctx, e); err != nil {
		rp.mismatch("", e.ID, "the replay could not apply %s: %v", e.Type, err)
	}
}

// allocation adopts what the log says of an allocation, after checking an
// issued one against the replay's.
func (rp *replayer) allocation(p *partition, e events.Envelope, d events.Allocation) error {
	if e.Type == events.AllocationProposedType && d.Version == 1 {
		switch {
		case domain.IsRegulatorBy(d.DecidedBy):
			rp.report.Overrides++
		case d.DecidedBy != policy.Version:
			rp.report.OtherVersions++
		default:
			rp.report.Issued++
			rp.issued[d.AllocationID] = true
			return rp.verify(p, e, d)
		}
	}
	return rp.adopt(p, e, d)
}

// verify compares an issued allocation with the replay's. One the replay
// lacks is the first of its run: the run its id names is recomputed now.
func (rp *replayer) verify(p *partition, e events.Envelope, d events.Allocation) error {
	got, ok := p.app.Book.Allocation(d.AllocationID)
	if !ok {
		rp.rerun(p, e, d.AllocationID, d.Item)
		got, ok = p.app.Book.Allocation(d.AllocationID)
	}
	switch {
	case !ok:
		rp.mismatch(d.AllocationID, e.ID, "issued (need %s, source %s, %d units) but not recomputed", d.NeedID, d.SourceID, d.Quantity)
	case got.NeedID != d.NeedID || got.SourceID != d.SourceID || got.Quantity != d.Quantity || got.DecidedBy != d.DecidedBy || got.Reason != d.Reason:
		rp.mismatch(d.AllocationID, e.ID, "issued need %s, source %s, %d units (%q); recomputed need %s, source %s, %d units (%q)",
			d.NeedID, d.SourceID, d.Quantity, d.Reason, got.NeedID, got.SourceID, got.Quantity, got.Reason)
	default:
		rp.report.Agreed++
		return nil
	}
	return rp.adopt(p, e, d)
}

// rerun finds the run that issued id and runs it for item now: the day's
// sweep, or an event the partition applied or adopted, the latest first
// (a run happens after its trigger; the rematch consumer and a retry run
// a trigger again, numbering on).
func (rp *replayer) rerun(p *partition, e events.Envelope, id, item string) {
	sweep := app.SweepTrigger(e.Time)
	if domain.NewAllocationID(sweep.EventID, item, p.app.Book.RunCount(sweep.EventID, item)) == id {
		if !rp.sweeps[sweep.EventID] {
			rp.sweeps[sweep.EventID] = true
			rp.report.Sweeps = append(rp.report.Sweeps, sweep.EventID)
		}
		if err := p.app.MatchItem(rp.ctx, sweep, item); err != nil {
			rp.mismatch(id, e.ID, "recomputing %s failed: %v", sweep.EventID, err)
		}
		return
	}
	for i := len(p.triggers) - 1; i >= 0; i-- {
		t := p.triggers[i]
		if domain.NewAllocationID(t.ID, item, p.app.Book.RunCount(t.ID, item)) == id {
			if err := p.app.MatchItem(rp.ctx, app.Trigger{EventID: t.ID, Time: t.Time}, item); err != nil {
				rp.mismatch(id, t.ID, "running %s again failed: %v", t.ID, err)
			}
			return
		}
	}
}

// adopt makes the replay's allocation what the event says, if the event
// is newer. Units shipped since the replay's copy count against the
// source's current report, the rule the matcher applies on dispatch.
func (rp *replayer) adopt(p *partition, e events.Envelope, d events.Allocation) error {
	cur, held := p.app.Book.Allocation(d.AllocationID)
	if held && d.Version <= cur.Version && cur.NeedID == d.NeedID && cur.SourceID == d.SourceID && cur.Quantity == d.Quantity {
		return nil
	}
	next := cur
	if !held || cur.NeedID != d.NeedID || cur.SourceID != d.SourceID {
		created, _ := time.Parse(time.RFC3339Nano, d.CreatedAt)
		next = domain.Allocation{ID: d.AllocationID, NeedID: d.NeedID, HospitalID: d.HospitalID, HospitalRegion: d.HospitalRegion,
			Item: d.Item, SourceKind: d.SourceKind, SourceID: d.SourceID, SourceOrgID: d.SourceOrgID, SourceRegion: d.SourceRegion,
			DecidedBy: d.DecidedBy, Reason: d.Reason, RedirectedFrom: d.RedirectedFrom, CreatedAt: created}
		if o, ok := p.app.Book.Offer(d.SourceID); ok && o.Kind == policy.KindCapacity {
			next.SourceReport = o.ReportID
		}
		next.Shipments = nil
	}
	if delta := d.ShippedQuantity - next.ShippedQuantity; delta > 0 {
		s := domain.Shipment{Quantity: delta, At: e.Time}
		if o, ok := p.app.Book.Offer(d.SourceID); ok && o.Kind == policy.KindCapacity {
			s.ReportID = o.ReportID
		}
		next.Shipments = append(slices.Clone(next.Shipments), s)
	}
	updated, _ := time.Parse(time.RFC3339Nano, d.UpdatedAt)
	next.Version, next.Status, next.Quantity, next.UpdatedAt = d.Version, d.Status, d.Quantity, updated
	next.ShippedQuantity, next.ReceivedQuantity, next.DamagedQuantity, next.StatusReason = d.ShippedQuantity, d.ReceivedQuantity, d.DamagedQuantity, d.StatusReason
	next.StatusBy, next.RedirectedTo = d.StatusBy, d.RedirectedTo
	var err error
	if held {
		err = p.repo.UpdateAllocation(rp.ctx, next)
	} else {
		err = p.repo.InsertAllocation(rp.ctx, next)
	}
	if err != nil {
		return fmt.Errorf("adopt allocation %s from event %s: %w", d.AllocationID, e.ID, err)
	}
	p.app.Book.PutAllocation(next)
	return nil
}

// finish reports allocations the replay decided that the log never issued.
func (rp *replayer) finish() {
	for _, name := range slices.Sorted(maps.Keys(rp.parts)) {
		all, _ := rp.parts[name].app.Book.List(domain.ListFilter{Limit: 1 << 30})
		for _, a := range all {
			if a.DecidedBy == policy.Version && !rp.issued[a.ID] {
				rp.mismatch(a.ID, a.RunID, "recomputed (need %s, source %s, %d units) but never issued", a.NeedID, a.SourceID, a.Quantity)
			}
		}
	}
}
