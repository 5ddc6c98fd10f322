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

	"github.com/aidflow/aidflow/contracts/events"
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
	ID         string `json:"id"`
	NeedID     string `json:"need_id"`
	Item       string `json:"item"`
	Quantity   int64  `json:"quantity"`
	SourceKind string `json:"source_kind"`
	SourceID   string `json:"source_id"`
	Status     string `json:"status"`
}

type capacityView struct {
	ID           string `json:"id"`
	Item         string `json:"item"`
	AvailableNow int64  `json:"available_now"`
	Reserved     int64  `json:"reserved"`
	Remaining    int64  `json:"remaining"`
	Revision     int64  `json:"revision"`
}

type orgView struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type donationView struct {
	ID    string `json:"id"`
	Items []struct {
		OfferID   string `json:"offer_id"`
		Item      string `json:"item"`
		Quantity  int64  `json:"quantity"`
		Allocated int64  `json:"allocated"`
	} `json:"items"`
}

type auditEvent struct {
	Index   int64           `json:"index"`
	ID      string          `json:"id"`
	Type    string          `json:"type"`
	Subject string          `json:"subject"`
	OrgID   string          `json:"org_id"`
	Data    json.RawMessage `json:"data"`
}

type summaryItem struct {
	Item              string `json:"item"`
	Needed            int64  `json:"needed"`
	Allocated         int64  `json:"allocated"`
	AvailableCapacity int64  `json:"available_capacity"`
}

// live allocations hold units; the others gave them back.
func live(status string) bool {
	switch status {
	case "proposed", "accepted", "dispatched", "delivered":
		return true
	}
	return false
}

// snapshot is everything the checker reads, through the API only, but for
// the webhooks the hospitals received and the checkpoint_signed events in
// the audit service's stream, which only followers of the stream see.
type snapshot struct {
	needs     []needView
	allocs    []allocationView
	caps      []capacityView
	orgs      []orgView
	donations map[string]donationView
	summary   []summaryItem
	hooks     []delivery
	// Read once the rest has converged: the audit log, the checkpoints'
	// sizes, and how many checkpoint_signed events each size has.
	audit       []auditEvent
	checkpoints []int64
	signed      map[int64]int
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

// read takes a snapshot; audit, when set, adds the audit log and the
// checkpoints, read only once the rest has converged.
func read(c *cluster, api *client, w world, p promises, audit *auditLog) (snapshot, error) {
	var s snapshot
	var err error
	if s.needs, err = list[needView](api, "/v1/needs", w.regulator); err != nil {
		return s, err
	}
	if s.allocs, err = list[allocationView](api, "/v1/allocations", w.regulator); err != nil {
		return s, err
	}
	if s.caps, err = list[capacityView](api, "/v1/capacity", w.regulator); err != nil {
		return s, err
	}
	if s.orgs, err = list[orgView](api, "/v1/orgs", w.regulator); err != nil {
		return s, err
	}
	s.donations = map[string]donationView{}
	for _, d := range p.donations {
		code, raw, err := api.do(http.MethodGet, "/v1/donations/"+d.ID, w.regulator, "", nil)
		if err != nil {
			return s, err
		}
		if code == http.StatusNotFound {
			continue
		}
		var v donationView
		if code != http.StatusOK || json.Unmarshal(raw, &v) != nil {
			return s, fmt.Errorf("donation %s: %d %s", d.ID, code, raw)
		}
		s.donations[d.ID] = v
	}
	if p.hooks != nil {
		s.hooks = p.hooks.deliveries()
	}
	if audit != nil {
		if s.audit, err = audit.catchUp(api, w.regulator); err != nil {
			return s, err
		}
		if s.checkpoints, err = checkpointSizes(api); err != nil {
			return s, err
		}
		if s.signed, err = c.checkpointsSigned(); err != nil {
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

// checkpointSizes lists the sizes of every signed checkpoint.
func checkpointSizes(api *client) ([]int64, error) {
	cps, err := list[struct {
		Size int64 `json:"size"`
	}](api, "/v1/audit/checkpoints", "")
	if err != nil {
		return nil, err
	}
	out := make([]int64, 0, len(cps))
	for _, cp := range cps {
		out = append(out, cp.Size)
	}
	return out, nil
}

// tally counts what the audit log holds of each promised thing.
type tally struct {
	events     map[string]int     // by event id
	posts      map[string]int     // need_posted by need
	proposals  map[string]int     // allocation_proposed by allocation
	reported   map[string][]int64 // capacity_reported revisions by capacity
	pledgedBy  map[string][]string
	pledged    map[string]int // donation_pledged by donation
	registered map[string]int // org_registered by organization
	issued     map[string]int // token_issued by organization
}

func tallyAudit(log []auditEvent) tally {
	t := tally{events: map[string]int{}, posts: map[string]int{}, proposals: map[string]int{}, reported: map[string][]int64{},
		pledgedBy: map[string][]string{}, pledged: map[string]int{}, registered: map[string]int{}, issued: map[string]int{}}
	for _, e := range log {
		t.events[e.ID]++
		var d struct {
			NeedID       string `json:"need_id"`
			AllocationID string `json:"allocation_id"`
			CapacityID   string `json:"capacity_id"`
			Revision     int64  `json:"revision"`
			DonationID   string `json:"donation_id"`
			PublicName   string `json:"public_name"`
			OrgID        string `json:"org_id"`
		}
		_ = json.Unmarshal(e.Data, &d)
		switch e.Type {
		case events.NeedPostedType:
			t.posts[d.NeedID]++
		case events.AllocationProposedType:
			t.proposals[d.AllocationID]++
		case events.CapacityReportedType:
			t.reported[d.CapacityID] = append(t.reported[d.CapacityID], d.Revision)
		case events.DonationPledgedType:
			t.pledgedBy[d.PublicName] = append(t.pledgedBy[d.PublicName], d.DonationID)
			t.pledged[d.DonationID]++
		case events.OrgRegisteredType:
			t.registered[d.OrgID]++
		case events.TokenIssuedType:
			t.issued[d.OrgID]++
		}
	}
	return t
}

// sentTo counts the capacity reports the client sent per capacity, and
// keeps the last one's units (each manufacturer reports in order).
func sentTo(reports []report) (map[string]int64, map[string]int64) {
	count, last := map[string]int64{}, map[string]int64{}
	for _, r := range reports {
		count[r.CapacityID]++
		last[r.CapacityID] = r.Available
	}
	return count, last
}

// offered is each donation offer's pledged units, by offer id.
func offered(ps []pledge) map[string]int64 {
	out := map[string]int64{}
	for _, p := range ps {
		out[p.ID+"/0"] = p.Quantity
	}
	return out
}

// invariants are what must hold at every moment, converged or not: the
// matcher's (no source over-allocated, no need over-served) and nothing
// duplicated (one thing per Idempotency-Key, one audit record per event,
// one notification per allocation, one checkpoint_signed per checkpoint).
func invariants(s snapshot, p promises) []string {
	var bad []string
	need := map[string]needView{}
	byNote := map[string][]string{}
	for _, n := range s.needs {
		need[n.ID] = n
		byNote[n.Note] = append(byNote[n.Note], n.ID)
	}
	named := map[string]string{}
	for _, n := range p.needs {
		named[n.Key] = n.ID
	}
	bad = append(bad, oncePerName("need", "note", byNote, named)...)
	// The matcher's invariants.
	capOf := map[string]capacityView{}
	for _, c := range s.caps {
		capOf[c.ID] = c
	}
	offers := offered(p.donations)
	perSource, perNeed := map[string]int64{}, map[string]int64{}
	for _, a := range s.allocs {
		if !live(a.Status) {
			continue
		}
		perSource[a.SourceKind+" "+a.SourceID] += a.Quantity
		perNeed[a.NeedID] += a.Quantity
	}
	for src, q := range perSource {
		kind, id, _ := strings.Cut(src, " ")
		var has int64
		var ok bool
		if kind == "donation" {
			has, ok = offers[id]
		} else {
			var c capacityView
			c, ok = capOf[id]
			has = c.AvailableNow
		}
		if !ok {
			bad = append(bad, fmt.Sprintf("allocations of %d units from unknown source %s", q, src))
		} else if q > has {
			bad = append(bad, fmt.Sprintf("source %s over-allocated: %d live units of %d", src, q, has))
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
	// Capacity: no report applied more often than it was sent.
	count, _ := sentTo(p.reports)
	for _, c := range s.caps {
		if c.Revision > count[c.ID] {
			bad = append(bad, fmt.Sprintf("capacity %s at revision %d after %d reports: a report was applied twice", c.ID, c.Revision, count[c.ID]))
		}
	}
	// Organizations: one per name, the one the 2xx named.
	byName := map[string][]string{}
	for _, o := range s.orgs {
		byName[o.Name] = append(byName[o.Name], o.ID)
	}
	named = map[string]string{}
	for _, o := range p.orgs {
		named[o.Name] = o.ID
	}
	bad = append(bad, oncePerName("organization", "name", byName, named)...)
	// Webhooks: one notification per allocation (a retry has the same
	// delivery id).
	told := map[string]map[string]bool{}
	for _, d := range s.hooks {
		if told[d.AllocationID] == nil {
			told[d.AllocationID] = map[string]bool{}
		}
		told[d.AllocationID][d.ID] = true
	}
	for id, ds := range told {
		if len(ds) > 1 {
			bad = append(bad, fmt.Sprintf("allocation %s notified %d times (deliveries %v)", id, len(ds), keysOf(ds)))
		}
	}
	// Checkpoints: one checkpoint_signed per size.
	for size, n := range s.signed {
		if n > 1 {
			bad = append(bad, fmt.Sprintf("checkpoint %d announced %d times", size, n))
		}
	}
	return append(bad, auditInvariants(s, p, need)...)
}

// auditInvariants: the audit log holds each event once and each promised
// thing at most once, and nothing that was never promised.
func auditInvariants(s snapshot, p promises, need map[string]needView) []string {
	var bad []string
	t := tallyAudit(s.audit)
	for id, k := range t.events {
		if k > 1 {
			bad = append(bad, fmt.Sprintf("event %s recorded %d times in the audit log", id, k))
		}
	}
	for id, k := range t.posts {
		if k > 1 {
			bad = append(bad, fmt.Sprintf("need %s posted %d times in the audit log", id, k))
		}
		if _, ok := need[id]; !ok {
			bad = append(bad, fmt.Sprintf("the audit log has need %s that demand does not", id))
		}
	}
	for id, k := range t.proposals {
		if k > 1 {
			bad = append(bad, fmt.Sprintf("allocation %s proposed %d times in the audit log", id, k))
		}
	}
	count, _ := sentTo(p.reports)
	for id, revs := range t.reported {
		seen := map[int64]bool{}
		for _, r := range revs {
			if seen[r] {
				bad = append(bad, fmt.Sprintf("capacity %s: revision %d reported twice in the audit log", id, r))
			}
			seen[r] = true
		}
		if int64(len(revs)) > count[id] {
			bad = append(bad, fmt.Sprintf("capacity %s reported %d times in the audit log, sent %d times", id, len(revs), count[id]))
		}
	}
	named := map[string]string{}
	for _, d := range p.donations {
		named[d.Key] = d.ID
	}
	bad = append(bad, oncePerName("pledge in the audit log", "public name", t.pledgedBy, named)...)
	grants := map[string]int{}
	for _, g := range p.tokens {
		grants[g.OrgID]++
	}
	for id, k := range t.registered {
		if k > 1 {
			bad = append(bad, fmt.Sprintf("organization %s registered %d times in the audit log", id, k))
		}
	}
	for id, k := range t.issued {
		if k > 1+grants[id] {
			bad = append(bad, fmt.Sprintf("organization %s: %d tokens issued in the audit log, %d asked for", id, k, 1+grants[id]))
		}
	}
	return bad
}

// oncePerName checks things found by a name each write gave its thing
// (a need's note, an organization's name, a donation's public name: the
// Idempotency-Key or unique per scenario) against the ids the 2xx answers
// named: one thing per name, the one named, and none never answered.
func oncePerName(what, by string, found map[string][]string, named map[string]string) []string {
	var bad []string
	for name, ids := range found {
		want, ok := named[name]
		switch {
		case !ok:
			bad = append(bad, fmt.Sprintf("%s %v (%s %q) never answered with a 2xx", what, ids, by, name))
		case len(ids) > 1:
			bad = append(bad, fmt.Sprintf("%s %s %q: %d of them %v (the 2xx named %s)", what, by, name, len(ids), ids, want))
		case ids[0] != want:
			bad = append(bad, fmt.Sprintf("%s %s %q: the 2xx named %s but %s exists", what, by, name, want, ids[0]))
		}
	}
	return bad
}

func keysOf(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// converged reports what is still missing once every event has flowed:
// each promised need in demand, the audit log and the public summary, and
// fully allocated (there is capacity for all); each capacity report,
// donation and organization in its service and the audit log, and the
// capacity in the public summary; each allocation notified to its
// hospital; each checkpoint announced.
func converged(s snapshot, p promises, withAudit bool) []string {
	var missing []string
	need := map[string]needView{}
	for _, n := range s.needs {
		need[n.ID] = n
	}
	t := tallyAudit(s.audit)
	wantNeeded := map[string]int64{}
	perNeed := map[string]int64{}
	perOffer := map[string]int64{}
	reserved := map[string]int64{}
	for _, a := range s.allocs {
		if live(a.Status) {
			perNeed[a.NeedID] += a.Quantity
			perOffer[a.SourceID] += a.Quantity
		}
		if a.SourceKind == "capacity" && (a.Status == "proposed" || a.Status == "accepted") {
			reserved[a.SourceID] += a.Quantity
		}
		if withAudit && t.proposals[a.ID] == 0 {
			missing = append(missing, "allocation "+a.ID+" not in the audit log")
		}
	}
	for _, p := range p.needs {
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
		if withAudit && t.posts[p.ID] == 0 {
			missing = append(missing, "need "+p.ID+" not in the audit log")
		}
	}
	if len(s.needs) != len(p.needs) {
		missing = append(missing, fmt.Sprintf("demand holds %d needs, the client was promised %d", len(s.needs), len(p.needs)))
	}
	// Capacity: each report applied once, the last one current, each in
	// the audit log, and what remains in the public summary.
	count, last := sentTo(p.reports)
	capOf := map[string]capacityView{}
	remaining := map[string]int64{}
	for _, c := range s.caps {
		capOf[c.ID] = c
		remaining[c.Item] += c.Remaining
		if c.Reserved != reserved[c.ID] {
			missing = append(missing, fmt.Sprintf("source %s: supply shows %d reserved, the matcher %d", c.ID, c.Reserved, reserved[c.ID]))
		}
	}
	for id, n := range count {
		c, ok := capOf[id]
		switch {
		case !ok:
			missing = append(missing, "capacity "+id+" not in supply")
		case c.Revision != n || c.AvailableNow != last[id]:
			missing = append(missing, fmt.Sprintf("capacity %s at revision %d with %d available; sent %d reports, the last of %d", id, c.Revision, c.AvailableNow, n, last[id]))
		}
		if withAudit && int64(len(t.reported[id])) != n {
			missing = append(missing, fmt.Sprintf("capacity %s reported %d times in the audit log, sent %d times", id, len(t.reported[id]), n))
		}
	}
	// Organizations, their tokens, and donations.
	orgOf := map[string]orgView{}
	for _, o := range s.orgs {
		orgOf[o.ID] = o
	}
	grants := map[string]int{}
	for _, g := range p.tokens {
		grants[g.OrgID]++
	}
	for _, o := range p.orgs {
		if _, ok := orgOf[o.ID]; !ok {
			missing = append(missing, "organization "+o.ID+" ("+o.Name+") not in the registry")
		}
		if withAudit && (t.registered[o.ID] == 0 || t.issued[o.ID] != 1+grants[o.ID]) {
			missing = append(missing, fmt.Sprintf("organization %s: registered %d times and %d tokens issued in the audit log, want 1 and %d", o.ID, t.registered[o.ID], t.issued[o.ID], 1+grants[o.ID]))
		}
	}
	for _, d := range p.donations {
		v, ok := s.donations[d.ID]
		switch {
		case !ok:
			missing = append(missing, "donation "+d.ID+" ("+d.Key+") not in the donation service")
		case len(v.Items) != 1 || v.Items[0].Item != d.Item || v.Items[0].Quantity != d.Quantity:
			missing = append(missing, fmt.Sprintf("donation %s is %+v, pledged %d %s", d.ID, v.Items, d.Quantity, d.Item))
		case v.Items[0].Allocated != perOffer[v.Items[0].OfferID]:
			missing = append(missing, fmt.Sprintf("donation %s shows %d allocated, the matcher %d", d.ID, v.Items[0].Allocated, perOffer[v.Items[0].OfferID]))
		}
		if withAudit && t.pledged[d.ID] == 0 {
			missing = append(missing, "donation "+d.ID+" not in the audit log")
		}
	}
	// The public summary.
	got := map[string]summaryItem{}
	for _, it := range s.summary {
		got[it.Item] = it
	}
	for item, want := range wantNeeded {
		if got[item].Needed != want || got[item].Allocated != want {
			missing = append(missing, fmt.Sprintf("public summary for %s: needed %d, allocated %d; want %d both", item, got[item].Needed, got[item].Allocated, want))
		}
	}
	for item, want := range remaining {
		if got[item].AvailableCapacity != want {
			missing = append(missing, fmt.Sprintf("public summary for %s: %d available, supply %d", item, got[item].AvailableCapacity, want))
		}
	}
	// Webhooks: each allocation told to its hospital, nothing else told.
	if p.hooks != nil {
		told := map[string]bool{}
		for _, d := range s.hooks {
			told[d.AllocationID] = true
		}
		known := map[string]bool{}
		for _, a := range s.allocs {
			known[a.ID] = true
			if !told[a.ID] {
				missing = append(missing, "allocation "+a.ID+" not notified to its hospital")
			}
		}
		for id := range told {
			if !known[id] {
				missing = append(missing, "a notification of allocation "+id+", which the matcher does not have")
			}
		}
	}
	// Checkpoints: each one announced on the stream.
	if withAudit {
		for _, size := range s.checkpoints {
			if s.signed[size] == 0 {
				missing = append(missing, fmt.Sprintf("checkpoint %d signed but not announced", size))
			}
		}
	}
	return missing
}

// recoverWithin bounds the wait for everything to flow after the faults.
const recoverWithin = 3 * time.Minute

// checkRecovered is the one after-recovery check every scenario runs:
// it waits until everything promised has flowed everywhere, checking the
// invariants at every read, then checks what every 2xx promised (keptPromises)
// and reads once more: sending the writes again created nothing.
func checkRecovered(t *testing.T, c *cluster, api *client, w world, l *ledger) {
	t.Helper()
	p := l.all()
	audit := newAuditLog()
	start, lastLog := time.Now(), time.Now()
	settle := func() {
		t.Helper()
		var violated []string
		ok, why := waitFor(recoverWithin, func() (bool, string) {
			t0 := time.Now()
			s, err := read(c, api, w, p, nil)
			if err == nil && len(invariants(s, p)) == 0 && len(converged(s, p, false)) == 0 {
				s, err = read(c, api, w, p, audit)
			}
			readTook := time.Since(t0)
			if err != nil {
				return false, err.Error()
			}
			if bad := invariants(s, p); len(bad) > 0 {
				violated = bad
				return true, ""
			}
			missing := converged(s, p, s.audit != nil)
			if s.audit == nil {
				missing = append(missing, "the audit log not read yet")
			}
			if len(missing) > 0 && time.Since(lastLog) > 10*time.Second {
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
	}
	settle()
	c.checkAlive()
	keptPromises(t, c, api, w, p)
	settle()
	t.Logf("recovered in %s: %d needs, %d capacity reports, %d donations, %d organizations, %d tokens (%d retried after a failure), each once in its service, the audit log and the public summary; sent again, each answered as before",
		time.Since(start).Round(time.Second), len(p.needs), len(p.reports), len(p.donations), len(p.orgs), len(p.tokens), p.failed())
}

// failed counts the writes that were retried after a 5xx or a lost
// connection.
func (p promises) failed() int {
	n := 0
	for _, s := range p.writes() {
		if s.Failed {
			n++
		}
	}
	return n
}

// writes are every write the client was answered, of every kind.
func (p promises) writes() []sent {
	var out []sent
	for _, x := range p.needs {
		out = append(out, x.sent)
	}
	for _, x := range p.reports {
		out = append(out, x.sent)
	}
	for _, x := range p.donations {
		out = append(out, x.sent)
	}
	for _, x := range p.orgs {
		out = append(out, x.sent)
	}
	for _, x := range p.tokens {
		out = append(out, x.sent)
	}
	return out
}

func summarize(lines []string) string {
	sort.Strings(lines)
	if len(lines) > 15 {
		lines = append(lines[:15], fmt.Sprintf("… and %d more", len(lines)-15))
	}
	return strings.Join(lines, "\n")
}
