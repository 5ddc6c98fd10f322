// Package replay recomputes every allocation of an exported event log with
// this build's policy and reports whether it agrees with what was issued:
// the check DESIGN.md promises anyone holding the audit log ("same events
// in, same allocations out").
//
// The log is read in order. Every event the matcher consumes is handed to
// the same consumers the service runs (ports.Consumers) over an in-memory
// matcher, so the replay decides with the service's own code. The
// matcher's own allocation events are facts the replay adopts: a source's
// accept, decline or dispatch, a hospital's receipt, an expiry, a
// regulator's override. Each allocation_proposed the policy issued is
// compared with the allocation the replay computed under the same id (ids
// derive from the triggering event, so the id names the run): same need,
// source, quantity, policy version and reason, or a mismatch. Where they
// differ the issued one is adopted, so one mismatch does not cascade. An
// issued allocation the replay lacks comes from a run later than its
// trigger in the log (a sweep, ids from "sweep/<date>", or the rematch
// consumer running a release again): its id names the run, recomputed
// where the first of its allocations appears.
package replay

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
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
	ctx       context.Context
	repo      *memory.Repository
	app       *app.App
	handlers  map[string]bus.Handler
	now       time.Time
	issued    map[string]bool
	sweeps    map[string]bool
	report    Report
	allocType map[string]bool
	// triggers are the consumed events, in log order: an issued
	// allocation the replay lacks may come from one of them run again
	// later (the rematch consumer after a release, a retried run).
	triggers []events.Envelope
	// redirects holds a redirect's cancellation until the allocation it
	// names is adopted, by that allocation's id.
	redirects map[string]events.Envelope
}

// Run replays the log read from r: JSON envelopes one after another (JSON
// lines), or pages of the audit's GET /v1/audit/events ({"items": [...]}),
// in log order. Extra fields (the audit's index) are ignored.
func Run(ctx context.Context, r io.Reader) (Report, error) {
	rp := &replayer{ctx: ctx, repo: memory.New(), handlers: map[string]bus.Handler{}, issued: map[string]bool{},
		sweeps: map[string]bool{}, allocType: map[string]bool{}, redirects: map[string]events.Envelope{}}
	rp.app = app.New(rp.repo, app.DefaultTTL)
	rp.app.Now = func() time.Time { return rp.now }
	for _, c := range ports.Consumers(rp.app) {
		for _, t := range c.Spec.Types {
			rp.handlers[t] = c.Handler
		}
	}
	for _, t := range []string{events.AllocationProposedType, events.AllocationAcceptedType, events.AllocationDeclinedType,
		events.AllocationDispatchedType, events.AllocationReceivedType, events.AllocationExpiredType, events.AllocationCancelledType} {
		rp.allocType[t] = true
	}
	dec := json.NewDecoder(bufio.NewReaderSize(r, 1<<20))
	for {
		var raw json.RawMessage
		if err := dec.Decode(&raw); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return rp.report, fmt.Errorf("read the log after %d events: %w", rp.report.Events, err)
		}
		envs, err := envelopes(raw)
		if err != nil {
			return rp.report, fmt.Errorf("read the log after %d events: %w", rp.report.Events, err)
		}
		for _, e := range envs {
			if err := rp.apply(e); err != nil {
				return rp.report, err
			}
		}
	}
	rp.finish()
	return rp.report, nil
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

func (rp *replayer) apply(e events.Envelope) error {
	rp.report.Events++
	rp.now = e.Time
	if rp.allocType[e.Type] {
		var d events.Allocation
		if err := e.Decode(&d); err != nil {
			return err
		}
		if err := rp.allocation(e, d); err != nil {
			return err
		}
	}
	if waiting, ok := rp.redirects[e.Subject]; ok && e.Type == events.AllocationProposedType {
		delete(rp.redirects, e.Subject)
		rp.handle(rp.handlers[waiting.Type], waiting)
	}
	h, ok := rp.handlers[e.Type]
	if !ok {
		return nil
	}
	rp.report.Inputs++
	rp.triggers = append(rp.triggers, e)
	if to := redirectedTo(e); to != "" {
		if _, held := rp.app.Book.Allocation(to); !held {
			// A redirect announces the cancellation before the allocation
			// that takes its units, in one write; the matcher matched the
			// item again after both. So does the replay.
			rp.redirects[to] = e
			return nil
		}
	}
	rp.handle(h, e)
	return nil
}

func (rp *replayer) handle(h bus.Handler, e events.Envelope) {
	if err := h(rp.ctx, e); err != nil {
		rp.mismatch("", e.ID, "the replay could not apply %s: %v", e.Type, err)
	}
}

// redirectedTo is the allocation a redirect's cancellation names, if e is
// one.
func redirectedTo(e events.Envelope) string {
	if e.Type != events.AllocationCancelledType {
		return ""
	}
	var d events.Allocation
	if e.Decode(&d) != nil {
		return ""
	}
	return d.RedirectedTo
}

// allocation adopts what the log says of an allocation, after checking an
// issued one against the replay's.
func (rp *replayer) allocation(e events.Envelope, d events.Allocation) error {
	if e.Type == events.AllocationProposedType && d.Version == 1 {
		switch {
		case strings.HasPrefix(d.DecidedBy, "regulator:"):
			rp.report.Overrides++
		case d.DecidedBy != policy.Version:
			rp.report.OtherVersions++
		default:
			rp.report.Issued++
			rp.issued[d.AllocationID] = true
			return rp.verify(e, d)
		}
	}
	return rp.adopt(e, d)
}

// verify compares an issued allocation with the replay's. One the replay
// lacks is the next of some run that happened again later than its
// trigger in the log: the sweep of its day, or a consumed event run again
// (the rematch consumer after a release, a retry). Its id tells which
// (NewAllocationID of the trigger, the item and the run's count so far): that run is
// recomputed here, at this point of the log.
func (rp *replayer) verify(e events.Envelope, d events.Allocation) error {
	got, ok := rp.app.Book.Allocation(d.AllocationID)
	if !ok {
		rp.rerun(e, d.AllocationID, d.Item)
		got, ok = rp.app.Book.Allocation(d.AllocationID)
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
	return rp.adopt(e, d)
}

// rerun finds the run that issued id and recomputes it now.
func (rp *replayer) rerun(e events.Envelope, id, item string) {
	sweep := app.SweepTrigger(e.Time)
	if domain.NewAllocationID(sweep.EventID, item, rp.app.Book.RunCount(sweep.EventID, item)) == id {
		if !rp.sweeps[sweep.EventID] {
			rp.sweeps[sweep.EventID] = true
			rp.report.Sweeps = append(rp.report.Sweeps, sweep.EventID)
		}
		if err := rp.app.MatchAll(rp.ctx, sweep); err != nil {
			rp.mismatch(id, e.ID, "recomputing %s failed: %v", sweep.EventID, err)
		}
		return
	}
	for i := len(rp.triggers) - 1; i >= 0; i-- {
		t := rp.triggers[i]
		if domain.NewAllocationID(t.ID, item, rp.app.Book.RunCount(t.ID, item)) == id {
			if err := rp.handlers[t.Type](rp.ctx, t); err != nil {
				rp.mismatch(id, t.ID, "running %s again failed: %v", t.ID, err)
			}
			return
		}
	}
}

// adopt makes the replay's allocation what the event says, if the event
// is newer. Units shipped since the replay's copy count against the
// source's current report, the rule the matcher applies on dispatch.
func (rp *replayer) adopt(e events.Envelope, d events.Allocation) error {
	cur, held := rp.app.Book.Allocation(d.AllocationID)
	if held && d.Version <= cur.Version && cur.NeedID == d.NeedID && cur.SourceID == d.SourceID && cur.Quantity == d.Quantity {
		return nil
	}
	next := cur
	if !held || cur.NeedID != d.NeedID || cur.SourceID != d.SourceID {
		created, _ := time.Parse(time.RFC3339Nano, d.CreatedAt)
		next = domain.Allocation{ID: d.AllocationID, NeedID: d.NeedID, HospitalID: d.HospitalID, HospitalRegion: d.HospitalRegion,
			Item: d.Item, SourceKind: d.SourceKind, SourceID: d.SourceID, SourceOrgID: d.SourceOrgID, SourceRegion: d.SourceRegion,
			DecidedBy: d.DecidedBy, Reason: d.Reason, RedirectedFrom: d.RedirectedFrom, CreatedAt: created}
		if o, ok := rp.app.Book.Offer(d.SourceID); ok && o.Kind == policy.KindCapacity {
			next.SourceReport = o.ReportID
		}
		next.Shipments = nil
	}
	if delta := d.ShippedQuantity - next.ShippedQuantity; delta > 0 {
		s := domain.Shipment{Quantity: delta, At: e.Time}
		if o, ok := rp.app.Book.Offer(d.SourceID); ok && o.Kind == policy.KindCapacity {
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
		err = rp.repo.UpdateAllocation(rp.ctx, next)
	} else {
		err = rp.repo.InsertAllocation(rp.ctx, next)
	}
	if err != nil {
		return fmt.Errorf("adopt allocation %s from event %s: %w", d.AllocationID, e.ID, err)
	}
	rp.app.Book.PutAllocation(next)
	return nil
}

// finish reports allocations the replay decided that the log never issued.
func (rp *replayer) finish() {
	all, _ := rp.app.Book.List(domain.ListFilter{Limit: 1 << 30})
	for _, a := range all {
		if a.DecidedBy == policy.Version && !rp.issued[a.ID] {
			rp.mismatch(a.ID, a.RunID, "recomputed (need %s, source %s, %d units) but never issued", a.NeedID, a.SourceID, a.Quantity)
		}
	}
}
