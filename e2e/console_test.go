package e2e_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// The regulators' console in a real browser, through the whole stack: a
// regulator signs in, watches supply against demand and the live feed,
// reviews an anomaly, reads an allocation's story and overrides the
// policy by keyboard alone; the public flows then show the override with
// its reason. A hospital's token is refused.

// unlabelled lists the visible form controls of the page without a label.
const unlabelled = `Array.from(document.querySelectorAll('input:not([type=hidden]), select, textarea'))
	.filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')).map(e => e.id || e.name)`

func checkLabels(t *testing.T, tab context.Context, page string) {
	t.Helper()
	if bad := eval[[]string](t, tab, unlabelled); len(bad) > 0 {
		t.Errorf("%s: controls without a label: %v", page, bad)
	}
	if n := eval[int](t, tab, `Array.from(document.querySelectorAll('table')).filter(t => !t.querySelector('thead th[scope=col]')).length`); n > 0 {
		t.Errorf("%s: %d tables without column headers", page, n)
	}
}

func TestConsoleInBrowser(t *testing.T) {
	s := startStack(t, t.TempDir(), map[string]string{"AIDFLOW_ANOMALY_EVERY": "1s"})
	defer s.Close()
	p := register(t, s.BaseURL, s.OperatorToken)
	regOrg := p.op.must(201, "POST", "/v1/orgs", map[string]any{"name": "National Health Commission", "role": "regulator", "region": "110000"})
	regToken, regID := str(regOrg, "token"), str(regOrg, "id")
	reg := p.op.as(regToken)

	// A shortage the policy served from Suzhou, which declined it: the need
	// is open again and the policy will not offer Suzhou's masks to it.
	need := p.hosp.must(201, "POST", "/v1/needs", map[string]any{"item": "n95-respirator", "quantity": 2000, "urgency": "critical", "needed_by": neededBy(5)})
	needID := str(need, "id")
	p.mfr.must(200, "PUT", "/v1/capacity/n95-respirator", map[string]any{"available_now": 5000, "daily_rate": 2000, "lead_time_days": 1})
	declined := allocationOf(t, p.hosp, needID)
	p.mfr.must(200, "POST", "/v1/allocations/"+declined+"/decline", map[string]any{"reason": "the line is booked for another order"})
	eventually(t, "the need to be open again", func() bool {
		n := p.hosp.must(200, "GET", "/v1/needs/"+needID, nil)
		return str(n, "status") == "open" && num(n, "allocated_quantity") == 0
	})
	capID := str(items(p.mfr.must(200, "GET", "/v1/capacity", nil))[0], "id")

	// Four surgical-mask makers, one asking ten times the others' price:
	// the audit's price rule raises an anomaly within its 1 s schedule.
	for i, price := range []int{100, 110, 120, 1000} {
		o := p.op.must(201, "POST", "/v1/orgs", map[string]any{"name": fmt.Sprintf("Mask Maker %d", i), "role": "manufacturer", "region": "330100"})
		p.op.as(str(o, "token")).must(200, "PUT", "/v1/capacity/surgical-mask", map[string]any{"available_now": 1000, "daily_rate": 100, "lead_time_days": 2, "unit_price": price})
	}
	var anomalyID string
	eventually(t, "the price anomaly", func() bool {
		for _, a := range items(reg.must(200, "GET", "/v1/audit/anomalies?rule=price_above_median", nil)) {
			anomalyID = str(a, "anomaly_id")
		}
		return anomalyID != ""
	})

	tab := newTab(t)
	base := s.BaseURL

	// zh-CN by default; the regulator switches to English by keyboard, and
	// the rest of the test (sign-in, forms, redirects) stays in English.
	t.Run("zh-CN first, the switch leads to English", func(t *testing.T) {
		step(t, tab, "open the console", chromedp.Navigate(base+"/console/"), chromedp.WaitVisible(chromedp.CSS(`#token`)))
		checkLabels(t, tab, "sign-in, zh-CN")
		if got := eval[string](t, tab, `document.documentElement.lang + ' ' + document.querySelector('label[for=token]').textContent`); got != "zh-CN 监管令牌" {
			t.Fatalf("the sign-in page by default: %q", got)
		}
		screenshot(t, tab, "console-signin-zh.png")
		step(t, tab, "tab past the skip link to the switch",
			chromedp.KeyEvent(kb.Tab), chromedp.KeyEvent(kb.Tab))
		if got := eval[string](t, tab, `document.activeElement.id + ' ' + document.activeElement.textContent`); got != "lang-en English" {
			t.Fatalf("the second tab stop is %q, want the switch to English", got)
		}
		step(t, tab, "switch by keyboard", chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.CSS(`html[lang="en"] #token`)))
		if got := eval[string](t, tab, `location.pathname + ' ' + document.querySelector('label[for=token]').textContent`); got != "/console/sign-in Regulator token" {
			t.Fatalf("after the switch: %q", got)
		}
	})

	t.Run("a hospital's token is refused", func(t *testing.T) {
		step(t, tab, "open the console", chromedp.Navigate(base+"/console/"), chromedp.WaitVisible(chromedp.CSS(`#token`)))
		checkLabels(t, tab, "sign-in")
		step(t, tab, "sign in as the hospital",
			chromedp.SendKeys(chromedp.CSS(`#token`), p.hosp.token),
			chromedp.KeyEvent(kb.Enter),
			chromedp.WaitVisible(chromedp.CSS(`.error`)))
		if text := eval[string](t, tab, `document.body.innerText`); !strings.Contains(text, "for regulators only") {
			t.Fatalf("the hospital's sign-in reads:\n%s", text)
		}
		screenshot(t, tab, "console-refused.png")
		step(t, tab, "still signed out", chromedp.Navigate(base+"/console/anomalies"), chromedp.WaitVisible(chromedp.CSS(`#token`)))
	})

	step(t, tab, "sign in as the regulator",
		chromedp.SendKeys(chromedp.CSS(`#token`), regToken),
		chromedp.KeyEvent(kb.Enter),
		chromedp.WaitVisible(chromedp.CSS(`#supply`)))
	if url := eval[string](t, tab, `location.href`); strings.Contains(url, "aft1") {
		t.Fatalf("the token is in the URL: %s", url)
	}
	if c := eval[string](t, tab, `document.cookie`); c != "" {
		t.Fatalf("the session cookie is readable by scripts: %q", c)
	}

	t.Run("production and stock against demand", func(t *testing.T) {
		demand := eval[string](t, tab, `document.querySelector('#supply tr[data-item="n95-respirator"][data-province=""] [data-field="open_demand"]').textContent`)
		if demand != "2000" {
			t.Errorf("n95 open demand on the page %q, want 2000", demand)
		}
		hubei := eval[string](t, tab, `document.querySelector('#supply tr[data-item="n95-respirator"][data-province="420000"] [data-field="open_demand"]').textContent`)
		if hubei != "2000" {
			t.Errorf("Hubei's n95 open demand %q, want 2000", hubei)
		}
		if name := eval[string](t, tab, fmt.Sprintf(`document.querySelector('#manufacturers tr[data-org=%q] th a').textContent`, p.mfrID)); name != "Suzhou Mask Works" {
			t.Errorf("the manufacturer is shown as %q", name)
		}
		declines := eval[string](t, tab, fmt.Sprintf(`document.querySelector('#manufacturers tr[data-org=%q] [data-field="declined"]').textContent`, p.mfrID))
		if declines != "1" {
			t.Errorf("Suzhou's declines on the page %q, want 1", declines)
		}
		// Today's supply, from the supply service's daily figures: Suzhou's
		// report, sent today (China time).
		today := time.Now().In(time.FixedZone("CST", 8*3600)).Format(time.DateOnly)
		row := fmt.Sprintf(`#daily tr[data-date=%q][data-item="n95-respirator"]`, today)
		if got := eval[string](t, tab, `(r => r ? r.querySelector('[data-field="available_now"]').textContent + '/' + r.querySelector('[data-field="reported"]').textContent : 'none')(document.querySelector('`+row+`'))`); got != "5000/1" {
			t.Errorf("today's n95 supply on the page (stock/reports sent): %q, want 5000/1", got)
		}
		// Beside it, today's open demand from the demand service's daily
		// figures: the need, posted today and open again after the decline,
		// which Suzhou's unreserved stock would cover.
		fields := `['open_needs', 'unallocated', 'posted', 'keeping_up'].map(f => r.querySelector('[data-field="' + f + '"]').textContent).join('/')`
		if got := eval[string](t, tab, `(r => r ? `+fields+` : 'none')(document.querySelector('`+row+`'))`); got != "1/2000/1/yes" {
			t.Errorf("today's n95 demand on the page (open needs/unallocated/posted/keeping up): %q, want 1/2000/1/yes", got)
		}
		checkLabels(t, tab, "overview")
		screenshot(t, tab, "console-overview.png")
	})

	t.Run("the live feed with filters", func(t *testing.T) {
		step(t, tab, "open the feed for the hospital",
			chromedp.Navigate(base+"/console/feed?org_id="+p.hospID),
			chromedp.WaitVisible(chromedp.CSS(`#feed tbody tr`)))
		checkLabels(t, tab, "feed")
		before := eval[int](t, tab, `document.querySelectorAll('#feed tbody tr').length`)
		if types := eval[string](t, tab, `document.getElementById('feed').innerText`); !strings.Contains(types, "aidflow.demand.need_posted.v1") {
			t.Fatalf("the hospital's feed:\n%s", types)
		}
		// A new report appears without a reload (goggles: nothing the
		// matcher could act on for the masks' need).
		eval[bool](t, tab, `window.__consoleMark = true`)
		p.hosp.must(201, "POST", "/v1/stock-reports", map[string]any{"item": "goggles", "on_hand": 40, "daily_consumption": 10})
		step(t, tab, "the new event to appear live",
			chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`#feed tbody tr:nth-child(%d)`, before+1))),
			chromedp.WaitVisible(chromedp.CSS(`#live[data-state="on"]`)))
		if !eval[bool](t, tab, `window.__consoleMark === true`) {
			t.Error("the page reloaded instead of appending")
		}
		if last := eval[string](t, tab, `document.querySelector('#feed tbody tr:last-child').innerText`); !strings.Contains(last, "stock_reported") {
			t.Errorf("the appended row: %q", last)
		}
		screenshot(t, tab, "console-feed.png")
	})

	t.Run("an anomaly marked reviewed", func(t *testing.T) {
		step(t, tab, "open the anomalies", chromedp.Navigate(base+"/console/anomalies"), chromedp.WaitVisible(chromedp.CSS(`#anomalies`)))
		checkLabels(t, tab, "anomalies")
		card := fmt.Sprintf(`#anomalies li[data-anomaly=%q]`, anomalyID)
		note := "Checked with the maker: a typo in the price (100.0, not 1000); asked to report again"
		step(t, tab, "review it",
			chromedp.SendKeys(chromedp.CSS(card+" textarea"), note),
			chromedp.Click(chromedp.CSS(card+" button")),
			chromedp.WaitVisible(chromedp.CSS(card+`[data-reviewed="true"] [data-field="review"]`)))
		if got := eval[string](t, tab, `document.querySelector('`+card+` [data-field="review"]').textContent`); !strings.Contains(got, note) || !strings.Contains(got, regID) {
			t.Errorf("the review on the page: %q", got)
		}
		recorded := items(reg.must(200, "GET", "/v1/audit/events?type=aidflow.audit.anomaly_reviewed.v1", nil))
		if len(recorded) != 1 || str(recorded[0], "org_id") != regID || str(recorded[0], "subject") != anomalyID {
			t.Fatalf("the audit log's reviews: %v", recorded)
		}
		screenshot(t, tab, "console-anomalies.png")
	})

	t.Run("a declined allocation's story", func(t *testing.T) {
		step(t, tab, "open its story", chromedp.Navigate(base+"/console/allocations/"+declined), chromedp.WaitVisible(chromedp.CSS(`#decision`)))
		text := eval[string](t, tab, `document.getElementById('main').innerText`)
		for _, want := range []string{"declined", "the line is booked for another order", needID, p.hospID, p.mfrID, "Wuhan Designated Hospital", "Suzhou Mask Works", "5000 available"} {
			if !strings.Contains(text, want) {
				t.Errorf("the story lacks %q:\n%s", want, text)
			}
		}
		checkLabels(t, tab, "story")
	})

	reason := "Regulator override: Suzhou agreed by phone to send 500 masks to the designated hospital after its decline"
	t.Run("an override by keyboard alone", func(t *testing.T) {
		step(t, tab, "open the allocations", chromedp.Navigate(base+"/console/allocations"), chromedp.WaitVisible(chromedp.CSS(`#override`)))
		checkLabels(t, tab, "allocations")
		// Tab from the top of the page, noting each stop, until the form's
		// first field.
		var stops []string
		for range 40 {
			step(t, tab, "tab", chromedp.KeyEvent(kb.Tab))
			id := eval[string](t, tab, `(e => e.id || e.className || e.tagName.toLowerCase() + ':' + (e.getAttribute('href') || e.textContent.trim()))(document.activeElement)`)
			stops = append(stops, id)
			if id == "o-need" {
				break
			}
		}
		if len(stops) == 0 || stops[0] != "skip" || stops[len(stops)-1] != "o-need" {
			t.Fatalf("tab stops from the top: %v", stops)
		}
		if outline := eval[string](t, tab, `getComputedStyle(document.activeElement).outlineStyle`); outline == "none" {
			t.Error("the focused field shows no focus outline")
		}
		type field struct{ id, keys string }
		fields := []field{{"o-need", needID}, {"o-kind", ""}, {"o-source", capID}, {"o-qty", "500"}, {"o-reason", reason}}
		for i, f := range fields {
			if got := eval[string](t, tab, `document.activeElement.id`); got != f.id {
				t.Fatalf("tab stop %d is %q, want %q (stops so far %v)", i, got, f.id, stops)
			}
			if f.keys != "" {
				step(t, tab, "type into "+f.id, chromedp.KeyEvent(f.keys))
			}
			step(t, tab, "tab", chromedp.KeyEvent(kb.Tab))
		}
		if got := eval[string](t, tab, `document.activeElement.closest('form') && document.activeElement.closest('form').id + ':' + document.activeElement.type`); got != "override:submit" {
			t.Fatalf("after the reason, focus is on %q, want the submit button", got)
		}
		step(t, tab, "submit by keyboard", chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.CSS(`#decision`)))
		decidedBy := eval[string](t, tab, `document.querySelector('#decision [data-field="decided_by"]').textContent`)
		shown := eval[string](t, tab, `document.querySelector('#decision [data-field="reason"]').textContent`)
		if !strings.Contains(decidedBy, regID) || shown != reason {
			t.Fatalf("the override's story: decided by %q, reason %q", decidedBy, shown)
		}
		if flash := eval[string](t, tab, `document.querySelector('.flash') ? document.querySelector('.flash').textContent : ''`); !strings.Contains(flash, "recorded with your reason") {
			t.Errorf("no confirmation: %q", flash)
		}
		screenshot(t, tab, "console-override.png")
	})

	t.Run("the public flows show the override with its reason", func(t *testing.T) {
		public := client{t: t, base: base}
		eventually(t, "the override in the public flows", func() bool {
			for _, f := range items(public.must(200, "GET", "/v1/public/flows", nil)) {
				if str(f, "reason") == reason && num(f, "quantity") == 500 {
					return strings.Contains(str(f, "decided_by"), "regulator")
				}
			}
			return false
		})
	})

	t.Run("the audit log's state", func(t *testing.T) {
		evs := items(reg.must(200, "GET", "/v1/audit/events?type=aidflow.demand.need_posted.v1", nil))
		if len(evs) == 0 {
			t.Fatal("no need_posted event recorded")
		}
		step(t, tab, "verify now and prove an event",
			chromedp.Navigate(base+"/console/audit"),
			chromedp.WaitVisible(chromedp.CSS(`#verify-h`)))
		checkLabels(t, tab, "audit")
		step(t, tab, "press verify", chromedp.Click(chromedp.CSS(`#verify-h ~ form button`)), chromedp.WaitVisible(chromedp.CSS(`#verification`)))
		if ok := eval[string](t, tab, `document.querySelector('#verification [data-field="ok"]').textContent`); ok != "yes" {
			t.Errorf("verification says %q", ok)
		}
		step(t, tab, "ask a proof",
			chromedp.SendKeys(chromedp.CSS(`#p-event`), str(evs[0], "id")),
			chromedp.KeyEvent(kb.Enter),
			chromedp.WaitVisible(chromedp.CSS(`#proof`)))
		if got := eval[string](t, tab, `document.getElementById('proof').innerText`); !strings.Contains(got, str(evs[0], "id")) || !strings.Contains(got, "Leaf hash") {
			t.Errorf("the proof on the page:\n%s", got)
		}
		screenshot(t, tab, "console-audit.png")
	})

	t.Run("sign-out ends the session", func(t *testing.T) {
		step(t, tab, "sign out", chromedp.Navigate(base+"/console/"), chromedp.WaitVisible(chromedp.CSS(`#supply`)),
			chromedp.Click(chromedp.CSS(`form[action="/console/sign-out"] button`)), chromedp.WaitVisible(chromedp.CSS(`#token`)))
		step(t, tab, "pages ask to sign in again", chromedp.Navigate(base+"/console/allocations"), chromedp.WaitVisible(chromedp.CSS(`#token`)))
		if lang := eval[string](t, tab, `document.documentElement.lang`); lang != "en" {
			t.Errorf("after sign-out the console speaks %q, not the English chosen", lang)
		}
		text := eval[string](t, tab, `document.documentElement.outerHTML`)
		for _, tok := range []string{regToken, p.hosp.token, s.OperatorToken} {
			if strings.Contains(text, tok) {
				t.Error("a token is on the page")
			}
		}
	})
}
