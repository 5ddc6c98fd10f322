package e2e_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

// TestFiftyHospitalsRaceForTheLastTenUnits: fifty hospitals (fifty
// organizations, fifty tokens) post needs for the same item at the same
// moment against a manufacturer with exactly ten units left, and again
// against a donation of ten units directed to their city. Exactly ten
// units are allocated from each source, no need gets more than it asked,
// and the capacity report says reserved 10, remaining 0.
func TestFiftyHospitalsRaceForTheLastTenUnits(t *testing.T) {
	s := startStack(t, t.TempDir())
	defer s.Close()
	op := client{t: t, base: s.BaseURL, token: s.OperatorToken}
	mk := func(body map[string]any) (client, string) {
		o := op.must(201, "POST", "/v1/orgs", body)
		return op.as(str(o, "token")), str(o, "id")
	}
	reg, _ := mk(map[string]any{"name": "Health Commission", "role": "regulator", "region": "110000"})
	mfr, mfrID := mk(map[string]any{"name": "Shenzhen Ventilator Co", "role": "manufacturer", "region": "440300"})
	donor, _ := mk(map[string]any{"name": "Hubei Alumni Fund", "role": "donor", "region": "420100"})
	hospitals := make([]client, 50)
	for i := range hospitals {
		hospitals[i], _ = mk(map[string]any{"name": fmt.Sprintf("Wuhan Hospital %d", i+1), "role": "hospital", "region": "420100", "facility_type": "designated"})
	}

	mfr.must(200, "PUT", "/v1/capacity/ventilator", map[string]any{"available_now": 10, "daily_rate": 0, "lead_time_days": 1})
	donation := str(donor.must(201, "POST", "/v1/donations", map[string]any{
		"items": []map[string]any{{"item": "oxygen-concentrator", "quantity": 10}}, "region": "420100",
	}), "id")

	for _, item := range []string{"ventilator", "oxygen-concentrator"} {
		race(t, hospitals, item)
	}

	// Ten from each source, and not one more however long the matcher runs:
	// the sums are read until they stop changing.
	allocated := func(item string) (sum int64, perNeed map[string]int64) {
		perNeed = map[string]int64{}
		for _, a := range listAll(t, reg, "/v1/allocations?limit=100") {
			if str(a, "item") != item || !strings.Contains("proposed accepted dispatched delivered", str(a, "status")) {
				continue
			}
			sum += num(a, "quantity")
			perNeed[str(a, "need_id")] += num(a, "quantity")
		}
		return sum, perNeed
	}
	for _, item := range []string{"ventilator", "oxygen-concentrator"} {
		eventually(t, "ten "+item+" units allocated", func() bool { n, _ := allocated(item); return n >= 10 })
		var prev string
		same := 0
		eventually(t, "the "+item+" allocations to settle", func() bool {
			n, per := allocated(item)
			now := fmt.Sprint(n, per)
			if now == prev {
				same++
			} else {
				prev, same = now, 0
			}
			return same >= 3
		})
		n, per := allocated(item)
		if n != 10 {
			t.Errorf("%s: %d units allocated in all, want exactly 10", item, n)
		}
		for _, nd := range listAll(t, reg, "/v1/needs?limit=100&item="+item) {
			if got := per[str(nd, "id")]; got > num(nd, "quantity") || num(nd, "allocated_quantity") > num(nd, "quantity") {
				t.Errorf("need %s asked %d and was given %d (it says %d)", str(nd, "id"), num(nd, "quantity"), got, num(nd, "allocated_quantity"))
			}
		}
	}
	eventually(t, "the capacity report to show all ten reserved", func() bool {
		for _, c := range items(mfr.must(200, "GET", "/v1/capacity", nil)) {
			if str(c, "item") == "ventilator" {
				return num(c, "reserved") == 10 && num(c, "remaining") == 0
			}
		}
		return false
	})
	for _, c := range items(reg.must(200, "GET", "/v1/capacity?limit=100", nil)) {
		if str(c, "item") == "ventilator" && (str(c, "manufacturer_id") != mfrID || num(c, "reserved") != 10 || num(c, "remaining") != 0 || num(c, "available_now") != 10) {
			t.Errorf("capacity: %v", c)
		}
	}
	eventually(t, "the donation to show all ten allocated", func() bool {
		d := reg.must(200, "GET", "/v1/donations/"+donation, nil)
		lines, _ := d["items"].([]any)
		return len(lines) == 1 && num(lines[0].(map[string]any), "allocated") == 10
	})
	// A hundred needs posted at once, against a capacity report and a
	// donation read on other streams: the log replays all the same.
	if rep := replayAgrees(t, reg); rep.Issued == 0 {
		t.Fatalf("replay verified nothing: %+v", rep)
	}
}

// race posts one need of item per hospital, all at once, two units each.
func race(t *testing.T, hospitals []client, item string) {
	t.Helper()
	start := make(chan struct{})
	var wg sync.WaitGroup
	status := make([]int, len(hospitals))
	for i, h := range hospitals {
		wg.Go(func() {
			<-start
			status[i] = h.do("POST", "/v1/needs", map[string]any{"item": item, "quantity": 2, "urgency": "critical", "needed_by": neededBy(5)}).Status
		})
	}
	close(start)
	wg.Wait()
	for i, st := range status {
		if st != 201 {
			t.Fatalf("hospital %d posting a need for %s: %d", i+1, item, st)
		}
	}
}

// listAll follows a list's cursor to its end.
func listAll(t *testing.T, c client, path string) []map[string]any {
	t.Helper()
	var out []map[string]any
	next := ""
	for range 100 {
		p := path
		if next != "" {
			p += "&cursor=" + next
		}
		page := c.must(200, "GET", p, nil)
		out = append(out, items(page)...)
		if next = str(page, "next"); next == "" {
			return out
		}
	}
	t.Fatalf("%s: more than 100 pages", path)
	return nil
}
