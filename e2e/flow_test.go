package e2e_test

import (
	"testing"
	"time"
)

type parties struct {
	op, hosp, mfr, reg client
	hospID, mfrID      string
}

func register(t *testing.T, base, operatorToken string) parties {
	t.Helper()
	op := client{t: t, base: base, token: operatorToken}
	mk := func(body map[string]any) (client, string) {
		o := op.must(201, "POST", "/v1/orgs", body)
		if str(o, "token") == "" || str(o, "id") == "" {
			t.Fatalf("org without id or token: %v", o)
		}
		return op.as(str(o, "token")), str(o, "id")
	}
	hosp, hospID := mk(map[string]any{"name": "Wuhan Designated Hospital", "role": "hospital", "region": "420100", "facility_type": "designated"})
	mfr, mfrID := mk(map[string]any{"name": "Suzhou Mask Works", "role": "manufacturer", "region": "320500"})
	reg, _ := mk(map[string]any{"name": "Health Commission", "role": "regulator", "region": "110000"})
	return parties{op: op, hosp: hosp, mfr: mfr, reg: reg, hospID: hospID, mfrID: mfrID}
}

func neededBy(days int) string { return time.Now().UTC().AddDate(0, 0, days).Format("2006-01-02") }

// allocationOf waits until the need shows an allocation and returns its id.
func allocationOf(t *testing.T, hosp client, needID string) string {
	t.Helper()
	var id string
	eventually(t, "the need to show an allocation", func() bool {
		n := hosp.must(200, "GET", "/v1/needs/"+needID, nil)
		allocs, _ := n["allocations"].([]any)
		if len(allocs) == 0 {
			return false
		}
		id = str(allocs[0].(map[string]any), "id")
		return id != ""
	})
	return id
}

// TestThinFlow drives one shortage from posting to receipt through the
// gateway, and checks the audit log and the public summary saw it.
func TestThinFlow(t *testing.T) {
	s := startStack(t, t.TempDir())
	defer s.Close()
	p := register(t, s.BaseURL, s.OperatorToken)

	me := p.hosp.must(200, "GET", "/v1/me", nil)
	if str(me, "id") != p.hospID || str(me, "role") != "hospital" || str(me, "region") != "420100" {
		t.Fatalf("me: %v", me)
	}

	need := p.hosp.must(201, "POST", "/v1/needs", map[string]any{
		"item": "n95-respirator", "quantity": 2000, "urgency": "critical", "needed_by": neededBy(5),
	})
	needID := str(need, "id")
	if str(need, "status") != "open" || str(need, "hospital_id") != p.hospID || str(need, "region") != "420100" {
		t.Fatalf("posted need: %v", need)
	}

	p.mfr.must(200, "PUT", "/v1/capacity/n95-respirator", map[string]any{"available_now": 5000, "daily_rate": 2000, "lead_time_days": 1})
	allocID := allocationOf(t, p.hosp, needID)

	alloc := p.mfr.must(200, "GET", "/v1/allocations/"+allocID, nil)
	if str(alloc, "need_id") != needID || num(alloc, "quantity") != 2000 || str(alloc, "source_kind") != "capacity" ||
		str(alloc, "source_org_id") != p.mfrID || str(alloc, "status") != "proposed" || str(alloc, "decided_by") == "" || str(alloc, "reason") == "" {
		t.Fatalf("allocation: %v", alloc)
	}
	eventually(t, "the need to be allocated", func() bool {
		n := p.hosp.must(200, "GET", "/v1/needs/"+needID, nil)
		return str(n, "status") == "allocated" && num(n, "allocated_quantity") == 2000
	})

	p.mfr.must(200, "POST", "/v1/allocations/"+allocID+"/accept", nil)
	p.mfr.must(200, "POST", "/v1/allocations/"+allocID+"/dispatch", map[string]any{"shipped_quantity": 2000, "carrier": "SF Express", "tracking_number": "SF1234567890"})
	p.hosp.must(200, "POST", "/v1/allocations/"+allocID+"/receipt", map[string]any{"received_quantity": 2000})

	eventually(t, "the need to be fulfilled", func() bool {
		n := p.hosp.must(200, "GET", "/v1/needs/"+needID, nil)
		return str(n, "status") == "fulfilled" && num(n, "delivered_quantity") == 2000 && num(n, "dispatched_quantity") == 2000
	})

	// Every step is in the audit log.
	wantTypes := []string{
		"aidflow.registry.org_registered.v1", "aidflow.demand.need_posted.v1", "aidflow.supply.capacity_reported.v1",
		"aidflow.matcher.allocation_proposed.v1", "aidflow.matcher.allocation_accepted.v1",
		"aidflow.matcher.allocation_dispatched.v1", "aidflow.matcher.allocation_received.v1",
	}
	eventually(t, "every event of the flow in the audit log", func() bool {
		seen := map[string]bool{}
		cursor := ""
		for range 50 {
			page := p.reg.must(200, "GET", "/v1/audit/events?limit=200"+cursor, nil)
			for _, it := range items(page) {
				ev, _ := it["event"].(map[string]any)
				if ev == nil {
					ev = it
				}
				seen[str(ev, "type")] = true
			}
			if str(page, "next") == "" {
				break
			}
			cursor = "&cursor=" + str(page, "next")
		}
		for _, ty := range wantTypes {
			if !seen[ty] {
				return false
			}
		}
		return true
	})
	v := p.reg.must(200, "GET", "/v1/audit/verify", nil)
	if v["ok"] != true || num(v, "size") == 0 {
		t.Errorf("audit verify: %v", v)
	}

	// The public summary counts it, with no token.
	public := client{t: t, base: s.BaseURL}
	eventually(t, "the public summary to count the delivery", func() bool {
		for _, it := range items(public.must(200, "GET", "/v1/public/summary", nil)) {
			if str(it, "item") == "n95-respirator" {
				return num(it, "needed") == 2000 && num(it, "allocated") == 2000 && num(it, "dispatched") == 2000 && num(it, "delivered") == 2000
			}
		}
		return false
	})
	public.must(200, "GET", "/v1/public/checkpoint", nil)
	if a := public.do("GET", "/healthz", nil); a.Status != 200 {
		t.Errorf("healthz: %d %s", a.Status, a.Raw)
	}
}

// TestRestartMidwayLosesNothing stops the whole stack after the matcher
// allocated and before the manufacturer acted, starts it again on the same
// data, and finishes the flow.
func TestRestartMidwayLosesNothing(t *testing.T) {
	dir := t.TempDir()
	s := startStack(t, dir)
	p := register(t, s.BaseURL, s.OperatorToken)
	need := p.hosp.must(201, "POST", "/v1/needs", map[string]any{"item": "protective-suit", "quantity": 300, "urgency": "high", "needed_by": neededBy(6)})
	needID := str(need, "id")
	p.mfr.must(200, "PUT", "/v1/capacity/protective-suit", map[string]any{"available_now": 1000, "daily_rate": 100, "lead_time_days": 1})
	allocID := allocationOf(t, p.hosp, needID)
	s.Close()

	s = startStack(t, dir)
	defer s.Close()
	p.hosp.base, p.mfr.base, p.reg.base = s.BaseURL, s.BaseURL, s.BaseURL

	// Tokens issued before the restart still work; the need and its single
	// allocation are still there.
	n := p.hosp.must(200, "GET", "/v1/needs/"+needID, nil)
	if allocs, _ := n["allocations"].([]any); len(allocs) != 1 || num(n, "allocated_quantity") != 300 {
		t.Fatalf("after restart the need shows %v", n)
	}
	list := p.mfr.must(200, "GET", "/v1/allocations", nil)
	if got := items(list); len(got) != 1 || str(got[0], "id") != allocID {
		t.Fatalf("after restart the manufacturer sees %v", got)
	}
	p.mfr.must(200, "POST", "/v1/allocations/"+allocID+"/accept", nil)
	p.mfr.must(200, "POST", "/v1/allocations/"+allocID+"/dispatch", map[string]any{"shipped_quantity": 300})
	p.hosp.must(200, "POST", "/v1/allocations/"+allocID+"/receipt", map[string]any{"received_quantity": 300})
	eventually(t, "the need to be fulfilled after the restart", func() bool {
		return str(p.hosp.must(200, "GET", "/v1/needs/"+needID, nil), "status") == "fulfilled"
	})
	// The capacity report is intact and the dispatch lowered it (supply
	// follows the matcher's events on its own consumer: wait for it too).
	var caps []map[string]any
	eventually(t, "supply to apply the dispatch", func() bool {
		caps = items(p.mfr.must(200, "GET", "/v1/capacity", nil))
		return len(caps) == 1 && num(caps[0], "available_now") == 700 && num(caps[0], "reserved") == 0
	})
	// No event was recorded twice by the audit log.
	eventually(t, "the audit log to hold each event once", func() bool {
		ids := map[string]int{}
		types := map[string]int{}
		cursor := ""
		for range 50 {
			page := p.reg.must(200, "GET", "/v1/audit/events?limit=200"+cursor, nil)
			for _, it := range items(page) {
				ev, _ := it["event"].(map[string]any)
				if ev == nil {
					ev = it
				}
				ids[str(ev, "id")]++
				types[str(ev, "type")]++
			}
			if str(page, "next") == "" {
				break
			}
			cursor = "&cursor=" + str(page, "next")
		}
		for id, c := range ids {
			if c != 1 {
				t.Fatalf("event %s recorded %d times", id, c)
			}
		}
		if len(ids) < 12 {
			t.Logf("audit log holds %d events so far: %v", len(ids), types)
		}
		// 3 organizations and their tokens, the need, the capacity report,
		// and the allocation proposed, accepted, dispatched and received.
		return len(ids) >= 12
	})
	// The matcher's record of what it had read survived the restart: the
	// log replays.
	if rep := replayAgrees(t, p.reg); rep.Issued != 1 {
		t.Fatalf("replay verified %d allocations, want 1: %+v", rep.Issued, rep)
	}
}

// TestRevokedTokenRefusedEverywhere revokes a hospital's token at the
// registry and expects every service to refuse it within 5 s.
func TestRevokedTokenRefusedEverywhere(t *testing.T) {
	s := startStack(t, t.TempDir())
	defer s.Close()
	p := register(t, s.BaseURL, s.OperatorToken)
	tok := p.op.must(201, "POST", "/v1/orgs/"+p.hospID+"/tokens", nil)
	second := p.hosp.as(str(tok, "token"))
	second.must(200, "GET", "/v1/needs", nil)
	p.op.must(200, "DELETE", "/v1/tokens/"+str(tok, "token_id"), nil)
	paths := []string{"/v1/me", "/v1/needs", "/v1/allocations", "/v1/capacity", "/v1/donations/don_x", "/v1/audit/events", "/v1/webhooks", "/v1/me/stream"}
	status := map[string]int{}
	within(t, 5*time.Second, "the revoked token to be refused by every service", func() bool {
		refused := true
		for _, path := range paths {
			status[path] = second.do("GET", path, nil).Status
			refused = refused && status[path] == 401
		}
		if !refused {
			t.Logf("not yet refused everywhere: %v", status)
		}
		return refused
	})
	p.hosp.must(200, "GET", "/v1/needs", nil)
}
