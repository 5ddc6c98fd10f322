package e2e_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The public page in a real browser (Debian's chromium, headless): what a
// visitor sees is checked against the public API it is built from.

// chromiumPath finds the browser. A missing browser fails the test: these
// tests are the only check that the page works in a browser, so they must
// not quietly vanish from CI.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("AIDFLOW_CHROMIUM"); p != "" {
		if _, err := exec.LookPath(p); err != nil {
			t.Fatalf("AIDFLOW_CHROMIUM=%s: %v; install Debian's chromium with `apt-get update && apt-get install -y chromium`", p, err)
		}
		return p
	}
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("chromium not found: the browser tests need Debian's chromium. Install it with " +
		"`apt-get update && apt-get install -y chromium` (.ci/run does), or set AIDFLOW_CHROMIUM to a Chromium binary")
	return ""
}

// newTab starts a headless Chromium with its own profile and returns a tab.
func newTab(t *testing.T) context.Context {
	t.Helper()
	profile := t.TempDir() // removed after the browser is gone (cleanups run last-in first-out)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.NoFirstRun,
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 1800),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	tab, cancelTab := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancelTab(); cancelAlloc() })
	if err := chromedp.Do(tab); err != nil { // start the browser now, to fail early and clearly
		t.Fatalf("start chromium: %v", err)
	}
	return tab
}

// step runs browser actions with a deadline, failing the test on error.
func step(t *testing.T, tab context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		// Say what the visitor would have seen.
		dctx, dcancel := context.WithTimeout(tab, 5*time.Second)
		defer dcancel()
		text, _ := chromedp.Run(dctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ''`))
		t.Fatalf("%s: %v\nthe page reads:\n%s", what, err, text)
	}
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](t *testing.T, tab context.Context, expr string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// screenshot saves the whole page under e2e/artifacts (gitignored), for
// people to look at when a test fails or the page changes.
func screenshot(t *testing.T, tab context.Context, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, 20*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.MkdirAll("artifacts", 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("artifacts", name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: e2e/%s", path)
}

// levelColours are the tile colours of style.css, as the browser computes them.
var levelColours = map[string]string{
	"red": "rgb(183, 28, 28)", "orange": "rgb(245, 124, 0)", "yellow": "rgb(253, 216, 53)",
	"blue": "rgb(21, 101, 192)", "green": "rgb(46, 125, 50)",
}

func TestPublicPageInBrowser(t *testing.T) {
	s := startStack(t, t.TempDir())
	defer s.Close()
	p := register(t, s.BaseURL, s.OperatorToken)
	public := client{t: t, base: s.BaseURL}

	// A donor whose registered name is personal data; its gift is anonymous.
	donorOrg := p.op.must(201, "POST", "/v1/orgs", map[string]any{"name": "张三 13912345678", "role": "donor", "region": "310000"})
	donor := p.op.as(str(donorOrg, "token"))

	// Masks from a manufacturer; goggles from the donor; ventilators from
	// no one, so Hubei keeps a shortage (10 of 2110 units: blue).
	n95 := p.hosp.must(201, "POST", "/v1/needs", map[string]any{"item": "n95-respirator", "quantity": 2000, "urgency": "critical", "needed_by": neededBy(5)})
	p.mfr.must(200, "PUT", "/v1/capacity/n95-respirator", map[string]any{"available_now": 5000, "daily_rate": 2000, "lead_time_days": 1})
	allocationOf(t, p.hosp, str(n95, "id"))
	p.hosp.must(201, "POST", "/v1/needs", map[string]any{"item": "goggles", "quantity": 100, "urgency": "high", "needed_by": neededBy(5)})
	p.hosp.must(201, "POST", "/v1/needs", map[string]any{"item": "ventilator", "quantity": 10, "urgency": "high", "needed_by": neededBy(5)})
	don := donor.must(201, "POST", "/v1/donations", map[string]any{
		"items": []map[string]any{{"item": "goggles", "quantity": 100}}, "hospital_id": p.hospID, "anonymous": true,
	})
	code := str(don, "tracking_code")
	if code == "" {
		t.Fatalf("donation without a tracking code: %v", don)
	}
	eventually(t, "the donation to be allocated", func() bool {
		a := public.do("GET", "/v1/public/donations/"+code, nil)
		allocs, _ := a.Body["allocations"].([]any)
		return a.Status == 200 && len(allocs) > 0
	})
	eventually(t, "the public figures to count the masks and goggles", func() bool {
		ok := 0
		for _, it := range items(public.must(200, "GET", "/v1/public/summary", nil)) {
			if (str(it, "item") == "n95-respirator" && num(it, "allocated") == 2000) || (str(it, "item") == "goggles" && num(it, "allocated") == 100) {
				ok++
			}
		}
		return ok == 2
	})

	// The browser starts once the stack runs, so its start-up does not
	// compete with the services' for the two cores.
	tab := newTab(t)

	// The browser goes through a proxy the test can cut, to see the page
	// reconnect after a drop.
	target, err := url.Parse(s.BaseURL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httptest.NewServer(&httputil.ReverseProxy{
		Rewrite:       func(r *httputil.ProxyRequest) { r.SetURL(target) },
		FlushInterval: -1, // pass each server-sent event on at once
	})
	defer func() {
		// The page's stream is still open: cut it, then stop (the listener
		// closes first, so the browser cannot come back).
		proxy.CloseClientConnections()
		proxy.Close()
	}()

	step(t, tab, "open the page", chromedp.Navigate(proxy.URL+"/"), chromedp.WaitVisible(chromedp.CSS(`#summary`)))
	// Set a mark on the window: a reload would lose it.
	eval[bool](t, tab, `window.__aidflowMark = true`)

	t.Run("the page renders the totals", func(t *testing.T) {
		want := items(public.must(200, "GET", "/v1/public/summary", nil))
		got := eval[map[string]map[string]string](t, tab, `Object.fromEntries(Array.from(document.querySelectorAll('#summary tbody tr')).map(r =>
			[r.dataset.item, Object.fromEntries(Array.from(r.querySelectorAll('[data-field]')).map(c => [c.dataset.field, c.textContent.trim()]))]))`)
		if len(got) != len(want) {
			t.Fatalf("%d rows on the page, %d in /v1/public/summary", len(got), len(want))
		}
		for _, it := range want {
			row := got[str(it, "item")]
			for _, f := range []string{"needed", "allocated", "dispatched", "delivered", "open_shortage", "available_capacity"} {
				if row[f] != fmt.Sprint(num(it, f)) {
					t.Errorf("%s %s: page shows %q, API %d", str(it, "item"), f, row[f], num(it, f))
				}
			}
		}
		if got["n95-respirator"]["allocated"] != "2000" {
			t.Errorf("n95 row %v", got["n95-respirator"])
		}
		screenshot(t, tab, "page-zh.png")
	})

	t.Run("the map colours match /v1/public/regions", func(t *testing.T) {
		regions := items(public.must(200, "GET", "/v1/public/regions?limit=50", nil))
		type tile struct{ Level, Colour, Text string }
		tiles := eval[map[string]tile](t, tab, `Object.fromEntries(Array.from(document.querySelectorAll('#regions [data-province]')).map(e =>
			[e.dataset.province, {Level: e.dataset.level, Colour: getComputedStyle(e).backgroundColor, Text: e.textContent}]))`)
		if len(regions) != 34 || len(tiles) != 34 {
			t.Fatalf("%d provinces in the API, %d tiles on the map", len(regions), len(tiles))
		}
		levels := map[string]bool{}
		for _, r := range regions {
			prov, level := str(r, "province"), str(r, "level")
			levels[level] = true
			tl := tiles[prov]
			if tl.Level != level || tl.Colour != levelColours[level] {
				t.Errorf("%s: tile %+v, API level %s (%s)", prov, tl, level, levelColours[level])
			}
		}
		if str(find(regions, "province", "420000"), "level") != "blue" || !levels["green"] {
			t.Errorf("want Hubei blue and the rest green, got %v", levels)
		}
		if formula := eval[string](t, tab, `document.getElementById('formula').textContent`); !strings.Contains(formula, "60%") || !strings.Contains(formula, "÷") {
			t.Errorf("formula on the page: %q", formula)
		}
	})

	t.Run("a new allocation appears live, without reload", func(t *testing.T) {
		step(t, tab, "the live feed to connect", chromedp.WaitVisible(chromedp.CSS(`#live[data-state="on"]`)))
		need := p.hosp.must(201, "POST", "/v1/needs", map[string]any{"item": "protective-suit", "quantity": 300, "urgency": "high", "needed_by": neededBy(6)})
		p.mfr.must(200, "PUT", "/v1/capacity/protective-suit", map[string]any{"available_now": 1000, "daily_rate": 100, "lead_time_days": 1})
		id := allocationOf(t, p.hosp, str(need, "id"))
		step(t, tab, "the new allocation on the page", chromedp.WaitVisible(chromedp.CSS(`#flows tr[data-id="`+id+`"]`)))
		step(t, tab, "the suit totals updated", chromedp.WaitVisible(chromedp.JSPath(
			`Array.from(document.querySelectorAll('#summary tr[data-item="protective-suit"] [data-field="allocated"]')).filter(c => c.textContent === '300')`)))
		row := eval[string](t, tab, `document.querySelector('#flows tbody tr').dataset.id + ' | ' + document.querySelector('#flows tbody tr').textContent`)
		if !strings.HasPrefix(row, id+" | ") || !strings.Contains(row, "Wuhan Designated Hospital") || !strings.Contains(row, "Suzhou Mask Works") || !strings.Contains(row, "aidflow-policy") {
			t.Errorf("newest row %q; want the new allocation on top with source, hospital and decided_by", row)
		}
		if !eval[bool](t, tab, `window.__aidflowMark === true`) {
			t.Error("the page reloaded")
		}
		screenshot(t, tab, "page-live.png")
	})

	t.Run("the live feed reconnects after a drop", func(t *testing.T) {
		step(t, tab, "the live feed to connect", chromedp.WaitVisible(chromedp.CSS(`#live[data-state="on"]`)))
		proxy.CloseClientConnections()
		step(t, tab, "the page to notice the drop", chromedp.WaitVisible(chromedp.CSS(`#live[data-state="retry"]`)))
		step(t, tab, "the page to reconnect", chromedp.WaitVisible(chromedp.CSS(`#live[data-state="on"]`)))
		need := p.hosp.must(201, "POST", "/v1/needs", map[string]any{"item": "nitrile-gloves", "quantity": 500, "urgency": "high", "needed_by": neededBy(6)})
		p.mfr.must(200, "PUT", "/v1/capacity/nitrile-gloves", map[string]any{"available_now": 5000, "daily_rate": 1000, "lead_time_days": 1})
		id := allocationOf(t, p.hosp, str(need, "id"))
		step(t, tab, "the allocation made after the reconnection on the page", chromedp.WaitVisible(chromedp.CSS(`#flows tr[data-id="`+id+`"]`)))
		if !eval[bool](t, tab, `window.__aidflowMark === true`) {
			t.Error("the page reloaded")
		}
	})

	t.Run("the donation lookup shows the journey", func(t *testing.T) {
		step(t, tab, "look up an unknown code",
			chromedp.SendKeys(chromedp.CSS(`#tracking-code`), "NO-SUCH-CODE"),
			chromedp.Click(chromedp.CSS(`#lookup button`)),
			chromedp.WaitVisible(chromedp.CSS(`#journey .error`)))
		if msg := eval[string](t, tab, `document.querySelector('#journey').textContent`); msg != "没有找到这个追踪码。" {
			t.Errorf("unknown code: %q", msg)
		}
		// Lower case: codes are case-insensitive.
		eval[string](t, tab, `document.getElementById('tracking-code').value = ''`)
		step(t, tab, "look up the donation",
			chromedp.SendKeys(chromedp.CSS(`#tracking-code`), strings.ToLower(code)),
			chromedp.Click(chromedp.CSS(`#lookup button`)),
			chromedp.WaitVisible(chromedp.CSS(`#journey h3`)))
		text := eval[string](t, tab, `document.querySelector('#journey').innerText`)
		t.Logf("journey:\n%s", text)
		for _, want := range []string{strings.ToUpper(code), "匿名捐赠者", "医用护目镜", "Wuhan Designated Hospital", "湖北省"} {
			if !strings.Contains(strings.ToUpper(text), strings.ToUpper(want)) {
				t.Errorf("journey lacks %q:\n%s", want, text)
			}
		}
		screenshot(t, tab, "page-lookup.png")
	})

	t.Run("the latest audit checkpoint is shown", func(t *testing.T) {
		step(t, tab, "the checkpoint", chromedp.WaitVisible(chromedp.CSS(`#checkpoint[data-loaded="true"]`)))
		cp := public.must(200, "GET", "/v1/public/checkpoint", nil)
		size := eval[string](t, tab, `document.querySelector('#checkpoint [data-field="size"]').textContent`)
		hash := eval[string](t, tab, `document.querySelector('#checkpoint [data-field="root_hash"]').textContent`)
		if size == "" || size == "0" || hash == "" || num(cp, "size") == 0 {
			t.Errorf("checkpoint on the page: size %q hash %q; API %v", size, hash, cp)
		}
	})

	t.Run("no personal data on the rendered page", func(t *testing.T) {
		text := eval[string](t, tab, `document.documentElement.outerHTML + document.body.innerText`)
		for _, bad := range []string{"13912345678", "张三", s.OperatorToken, p.hosp.token, p.mfr.token, donor.token, "aft1."} {
			if strings.Contains(text, bad) {
				t.Errorf("the page shows %q", bad)
			}
		}
		for _, re := range []*regexp.Regexp{regexp.MustCompile(`1[3-9][0-9]{9}`), regexp.MustCompile(`[0-9]{17}[0-9Xx]`), regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[a-z]{2,}`)} {
			if m := re.FindString(text); m != "" {
				t.Errorf("the page shows %q (%s)", m, re)
			}
		}
	})

	t.Run("the English switch works", func(t *testing.T) {
		step(t, tab, "switch to English",
			chromedp.Focus(chromedp.CSS(`#lang-switch`)),
			chromedp.KeyEvent("\r"), // by keyboard
			chromedp.WaitVisible(chromedp.CSS(`html[lang="en"] #summary`)))
		h2 := eval[string](t, tab, `document.getElementById('summary-h').textContent`)
		hubei := eval[string](t, tab, `document.querySelector('#regions [data-province="420000"] .name').textContent`)
		item := eval[string](t, tab, `document.querySelector('#summary tr[data-item="n95-respirator"] th').textContent`)
		if h2 != "Totals by item" || hubei != "Hubei" || !strings.Contains(item, "N95") || strings.ContainsAny(item, "医用") {
			t.Errorf("English page: heading %q, Hubei tile %q, n95 %q", h2, hubei, item)
		}
		step(t, tab, "the live feed to connect in English", chromedp.WaitVisible(chromedp.CSS(`#live[data-state="on"]`)))
		if live := eval[string](t, tab, `document.getElementById('live').textContent`); live != "Live" {
			t.Errorf("live status %q", live)
		}
		screenshot(t, tab, "page-en.png")
	})
}

func find(xs []map[string]any, key, value string) map[string]any {
	for _, x := range xs {
		if str(x, key) == value {
			return x
		}
	}
	return nil
}
