package faults_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aidflow/aidflow/shared/httpx"
)

type needView struct {
	ID                string `json:"id"`
	Item              string `json:"item"`
	Quantity          int64  `json:"quantity"`
	Status            string `json:"status"`
	AllocatedQuantity int64  `json:"allocated_quantity"`
	Note              string `json:"note"`
}

type allocationView struct {
	ID       string `json:"id"`
	NeedID   string `json:"need_id"`
	Item     string `json:"item"`
	Quantity int64  `json:"quantity"`
	SourceID string `json:"source_id"`
	Status   string `json:"status"`
}

type capacityView struct {
	ID           string `json:"id"`
	Item         string `json:"item"`
	AvailableNow int64  `json:"available_now"`
	Reserved     int64  `json:"reserved"`
}

type auditEvent struct {
	Index   int64           `json:"index"`
	ID      string          `json:"id"`
	Type    string          `json:"type"`
	Subject string          `json:"subject"`
	Data    json.RawMessage `json:"data"`
}

type summaryItem struct {
	Item      string `json:"item"`
	Needed    int64  `json:"needed"`
	Allocated int64  `json:"allocated"`
}

const (
	needPostedType         = "aidflow.demand.need_posted.v1"
	allocationProposedType = "aidflow.matcher.allocation_proposed.v1"
)

// live allocations hold units; the others gave them back.
func live(status string) bool {
	switch status {
	case "proposed", "accepted", "dispatched", "delivered":
		return true
	}
	return false
}

// snapshot is everything the checker reads, through the API only.
type snapshot struct {
	needs   []needView
	allocs  []allocationView
	caps    []capacityView
	audit   []auditEvent
	summary []summaryItem
}

// auditLog follows the audit log as it grows: the log is append-only, so
// each read continues after the last record read instead of reading every
// record again (a whole read of thousands of records takes seconds and
// slows the audit service it waits for).
type auditLog struct {
	events []auditEvent
	after  int64
}

func newAuditLog() *auditLog { return &auditLog{after: -1} }

func (l *auditLog) catchUp(api *client, regulator string) ([]auditEvent, error) {
	cursor := ""
	if l.after >= 0 {
		// The cursor the service gives out is the last index read,
		// encoded as httpx.EncodeCursor does.
		cursor = httpx.EncodeCursor(strconv.FormatInt(l.after, 10))
	}
	more, err := listFrom[auditEvent](api, "/v1/audit/events", regulator, cursor)
	if err != nil {
		return nil, err
	}
	for _, e := range more {
		if e.Index <= l.after {
			return nil, fmt.Errorf("audit log record %d read after %d: not in index order", e.Index, l.after)
		}
		l.after = e.Index
	}
	l.events = append(l.events, more...)
	return l.events, nil
}

// read takes a snapshot; audit, when set, adds the audit log, read only
// once the rest has converged.
func read(api *client, regulator string, audit *auditLog) (snapshot, error) {
	var s snapshot
	var err error
	if s.needs, err = list[needView](api, "/v1/needs", regulator); err != nil {
		return s, err
	}
	if s.allocs, err = list[allocationView](api, "/v1/allocations", regulator); err != nil {
		return s, err
	}
	if s.caps, err = list[capacityView](api, "/v1/capacity", regulator); err != nil {
		return s, err
	}
	if audit != nil {
		if s.audit, err = audit.catchUp(api, regulator); err != nil {
			return s, err
		}
	}
	code, raw, err := api.do(http.MethodGet, "/v1/public/summary", "", "", nil)
	if err != nil {
		return s, fmt.Errorf("summary: %w", err)
	}
	if code != http.StatusOK {
		return s, fmt.Errorf("summary: %d %s", code, raw)
	}
	var sum struct {
		Items []summaryItem `json:"items"`
	}
	if err := json.Unmarshal(raw, &sum); err != nil {
		return s, err
	}
	s.summary = sum.Items
	return s, nil
}

// invariants are what must hold at every moment, converged or not: the
// matcher's (no source over-allocated, no need over-served) and nothing
// duplicated (one need per Idempotency-Key, one audit record per event).
func invariants(s snapshot, promised []posted) []string {
	var bad []string
	need := map[string]needView{}
	byNote := map[string][]string{}
	for _, n := range s.needs {
		need[n.ID] = n
		byNote[n.Note] = append(byNote[n.Note], n.ID)
	}
	keys := map[string]bool{}
	for _, p := range promised {
		keys[p.Key] = true
		if ids := byNote[p.Key]; len(ids) > 1 {
			bad = append(bad, fmt.Sprintf("key %s created %d needs %v (the 2xx named %s)", p.Key, len(ids), ids, p.ID))
		} else if len(ids) == 1 && ids[0] != p.ID {
			bad = append(bad, fmt.Sprintf("key %s: the 2xx named need %s but %s exists", p.Key, p.ID, ids[0]))
		}
	}
	for note, ids := range byNote {
		if !keys[note] {
			bad = append(bad, fmt.Sprintf("needs %v (note %q) were never answered with a 2xx", ids, note))
		}
	}
	// The matcher's invariants.
	capOf := map[string]capacityView{}
	for _, c := range s.caps {
		capOf[c.ID] = c
	}
	perSource, perNeed := map[string]int64{}, map[string]int64{}
	for _, a := range s.allocs {
		if !live(a.Status) {
			continue
		}
		perSource[a.SourceID] += a.Quantity
		perNeed[a.NeedID] += a.Quantity
	}
	for src, q := range perSource {
		c, ok := capOf[src]
		if !ok {
			bad = append(bad, fmt.Sprintf("allocations of %d units from unknown source %s", q, src))
		} else if q > c.AvailableNow {
			bad = append(bad, fmt.Sprintf("source %s over-allocated: %d live units of %d", src, q, c.AvailableNow))
		}
	}
	for id, q := range perNeed {
		n, ok := need[id]
		if !ok {
			bad = append(bad, fmt.Sprintf("allocations of %d units to unknown need %s", q, id))
		} else if q > n.Quantity {
			bad = append(bad, fmt.Sprintf("need %s over-served: %d of %d", id, q, n.Quantity))
		}
	}
	// The audit log: each event once, by event id and by aggregate.
	seen := map[string]int{}
	posts := map[string]int{}
	proposals := map[string]int{}
	for _, e := range s.audit {
		seen[e.ID]++
		var d struct {
			NeedID       string `json:"need_id"`
			AllocationID string `json:"allocation_id"`
		}
		_ = json.Unmarshal(e.Data, &d)
		switch e.Type {
		case needPostedType:
			posts[d.NeedID]++
		case allocationProposedType:
			proposals[d.AllocationID]++
		}
	}
	for id, k := range seen {
		if k > 1 {
			bad = append(bad, fmt.Sprintf("event %s recorded %d times in the audit log", id, k))
		}
	}
	for id, k := range posts {
		if k > 1 {
			bad = append(bad, fmt.Sprintf("need %s posted %d times in the audit log", id, k))
		}
		if _, ok := need[id]; !ok {
			bad = append(bad, fmt.Sprintf("the audit log has need %s that demand does not", id))
		}
	}
	for id, k := range proposals {
		if k > 1 {
			bad = append(bad, fmt.Sprintf("allocation %s proposed %d times in the audit log", id, k))
		}
	}
	return bad
}

// converged reports what is still missing once every event has flowed:
// each promised need in demand, the audit log and the public summary, and
// fully allocated (there is capacity for all).
func converged(s snapshot, promised []posted, withAudit bool) []string {
	var missing []string
	need := map[string]needView{}
	for _, n := range s.needs {
		need[n.ID] = n
	}
	posts := map[string]bool{}
	proposals := map[string]bool{}
	for _, e := range s.audit {
		var d struct {
			NeedID       string `json:"need_id"`
			AllocationID string `json:"allocation_id"`
		}
		_ = json.Unmarshal(e.Data, &d)
		switch e.Type {
		case needPostedType:
			posts[d.NeedID] = true
		case allocationProposedType:
			proposals[d.AllocationID] = true
		}
	}
	wantNeeded := map[string]int64{}
	perNeed := map[string]int64{}
	for _, a := range s.allocs {
		if live(a.Status) {
			perNeed[a.NeedID] += a.Quantity
		}
		if withAudit && !proposals[a.ID] {
			missing = append(missing, "allocation "+a.ID+" not in the audit log")
		}
	}
	for _, p := range promised {
		wantNeeded[p.Item] += p.Quantity
		n, ok := need[p.ID]
		switch {
		case !ok:
			missing = append(missing, "need "+p.ID+" ("+p.Key+") not in demand")
			continue
		case n.Quantity != p.Quantity || n.Item != p.Item:
			missing = append(missing, fmt.Sprintf("need %s is %d %s, posted %d %s", p.ID, n.Quantity, n.Item, p.Quantity, p.Item))
		case n.AllocatedQuantity != n.Quantity || n.Status != "allocated":
			missing = append(missing, fmt.Sprintf("need %s: %s, %d of %d allocated", p.ID, n.Status, n.AllocatedQuantity, n.Quantity))
		}
		if perNeed[p.ID] != n.AllocatedQuantity {
			missing = append(missing, fmt.Sprintf("need %s shows %d allocated, the matcher %d", p.ID, n.AllocatedQuantity, perNeed[p.ID]))
		}
		if withAudit && !posts[p.ID] {
			missing = append(missing, "need "+p.ID+" not in the audit log")
		}
	}
	if len(s.needs) != len(promised) {
		missing = append(missing, fmt.Sprintf("demand holds %d needs, the client was promised %d", len(s.needs), len(promised)))
	}
	reserved := map[string]int64{}
	for _, a := range s.allocs {
		if a.Status == "proposed" || a.Status == "accepted" {
			reserved[a.SourceID] += a.Quantity
		}
	}
	for _, c := range s.caps {
		if c.Reserved != reserved[c.ID] {
			missing = append(missing, fmt.Sprintf("source %s: supply shows %d reserved, the matcher %d", c.ID, c.Reserved, reserved[c.ID]))
		}
	}
	got := map[string]summaryItem{}
	for _, it := range s.summary {
		got[it.Item] = it
	}
	for item, want := range wantNeeded {
		if got[item].Needed != want || got[item].Allocated != want {
			missing = append(missing, fmt.Sprintf("public summary for %s: needed %d, allocated %d; want %d both", item, got[item].Needed, got[item].Allocated, want))
		}
	}
	return missing
}

// checkRecovered is the one after-recovery check every scenario runs:
// it waits until everything promised has flowed everywhere, checking the
// invariants at every read, then checks them once more.
// recoverWithin bounds the wait for everything to flow after the faults.
const recoverWithin = 3 * time.Minute

func checkRecovered(t *testing.T, c *cluster, api *client, w world, l *ledger) {
	t.Helper()
	promised := l.all()
	var violated []string
	audit := newAuditLog()
	start, lastLog := time.Now(), time.Now()
	ok, why := waitFor(recoverWithin, func() (bool, string) {
		t0 := time.Now()
		s, err := read(api, w.regulator, nil)
		if err == nil && len(invariants(s, promised)) == 0 && len(converged(s, promised, false)) == 0 {
			s, err = read(api, w.regulator, audit)
		}
		readTook := time.Since(t0)
		if err != nil {
			return false, err.Error()
		}
		if bad := invariants(s, promised); len(bad) > 0 {
			violated = bad
			return true, ""
		}
		missing := converged(s, promised, s.audit != nil)
		if s.audit == nil {
			missing = append(missing, "the audit log not read yet")
		}
		if time.Since(lastLog) > 10*time.Second {
			lastLog = time.Now()
			t.Logf("after %s (a read takes %s): %d things missing, e.g. %s", time.Since(start).Round(time.Second), readTook.Round(time.Millisecond), len(missing), summarize(missing[:min(3, len(missing))]))
		}
		return len(missing) == 0, summarize(missing)
	})
	if len(violated) > 0 {
		t.Fatalf("invariants broken:\n%s", summarize(violated))
	}
	if !ok {
		t.Fatalf("not recovered after %s: %s", recoverWithin, why)
	}
	c.checkAlive()
	t.Logf("recovered: %d needs posted (%d retried after a failure), all in demand, the audit log and the public summary, fully allocated", len(promised), countFailed(promised))
}

func countFailed(ps []posted) int {
	n := 0
	for _, p := range ps {
		if p.Failed {
			n++
		}
	}
	return n
}

func summarize(lines []string) string {
	sort.Strings(lines)
	if len(lines) > 15 {
		lines = append(lines[:15], fmt.Sprintf("… and %d more", len(lines)-15))
	}
	return strings.Join(lines, "\n")
}
