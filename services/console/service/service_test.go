package service_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aidflow/aidflow/contracts/catalog"
	"github.com/aidflow/aidflow/services/console/ports"
	"github.com/aidflow/aidflow/services/console/service"
	"github.com/aidflow/aidflow/shared/config"
)

// console is the console booted against a fake API, and a browser.
type console struct {
	t    *testing.T
	api  *fakeAPI
	srv  *httptest.Server
	http *http.Client
	logs *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func boot(t *testing.T, secure bool) *console {
	t.Helper()
	api := newFakeAPI(t)
	logs := &syncBuffer{}
	m, err := service.Open(t.Context(), service.Config{APIURL: api.srv.URL, SecureCookie: secure,
		Logger: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(m.Handler())
	t.Cleanup(srv.Close)
	return &console{t: t, api: api, srv: srv, http: newBrowser(t), logs: logs}
}

// newBrowser keeps cookies and does not follow redirects, so tests see them.
func newBrowser(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

type page struct {
	status   int
	location string
	body     string
	cookies  []*http.Cookie
}

func (c *console) do(req *http.Request) page {
	c.t.Helper()
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return page{resp.StatusCode, resp.Header.Get("Location"), string(b), resp.Cookies()}
}

func (c *console) get(path string) page {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.srv.URL+path, nil)
	return c.do(req)
}

func (c *console) post(path string, form url.Values) page {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, c.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf is the CSRF token of the forms on a page.
func csrf(t *testing.T, p page) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no CSRF field on the page:\n%s", p.body)
	}
	return m[1]
}

func (c *console) signIn(token string) page {
	c.t.Helper()
	p := c.get("/console/sign-in")
	if p.status != http.StatusOK {
		c.t.Fatalf("sign-in page: %d", p.status)
	}
	return c.post("/console/sign-in", url.Values{"csrf": {csrf(c.t, p)}, "token": {token}})
}

func (c *console) signedIn() string {
	c.t.Helper()
	if p := c.signIn(regulatorToken); p.status != http.StatusSeeOther || p.location != "/console/" {
		c.t.Fatalf("sign-in: %d %s\n%s", p.status, p.location, p.body)
	}
	p := c.get("/console/")
	if p.status != http.StatusOK {
		c.t.Fatalf("overview: %d\n%s", p.status, p.body)
	}
	return csrf(c.t, p)
}

// n95Zh is the catalog's name_zh of n95-respirator, which zh-CN pages show.
var n95Zh = func() string { it, _ := catalog.Lookup("n95-respirator"); return it.NameZh }()

func TestEveryPageRendersForARegulator(t *testing.T) {
	c := boot(t, false)
	c.signedIn()
	for _, tt := range []struct {
		path string
		want []string
	}{
		// zh-CN, the default: the words are the table's (words_test.go
		// checks no English is left), the API's own texts as it sent them.
		// Per day: Zhejiang has supply and no open need, so keeps up;
		// Hubei open needs and no supply; nationwide 2,600 unallocated
		// against 500 remaining and 200 a day.
		{"/console/?province=330000", []string{`<table id="daily">`, `近 7 天每日供应与未满足需求：浙江省`, `value="330000" selected`, `data-field="reported">1<`,
			`data-field="unallocated">0<`, `data-field="gap">0<`, `data-field="keeping_up">是<`}},
		{"/console/?province=420000", []string{`data-field="available_now">0<`, `data-field="open_needs">2 (1)<`, `data-field="unallocated">2600<`,
			`data-field="gap">2600<`, `data-field="keeping_up"><strong>否</strong>：未申报产量<`}},
		{"/console/", []string{`<table id="daily">`, `<label for="d-province">`, `data-field="available_now">1000<`,
			`data-field="open_needs">2 (1)<`, `data-field="posted">1<`, `data-field="delivered">40<`, `data-field="gap">2100<`,
			`data-field="keeping_up"><strong>否</strong>：需 11 天产量才能补上<`, `<table id="supply">`, "全国", "湖北省", "<th scope=\"row\">" + n95Zh + "</th>",
			"否</strong>：需 10 天产量才能补上", `data-org="org_m2"`, ">Suzhou Mask Works</a>", "<strong>滞后</strong>", `data-field="declined">1<`, "超过 2 天没有产能申报"}},
		{"/console/feed", []string{`<table id="feed"`, "aidflow.matcher.allocation_accepted.v1", `data-after="8"`, `<label for="f-item">`, "console.js", `data-says-live="实时：`}},
		{"/console/feed?item=n95-respirator&region=420000&org_id=org_m1&type=aidflow.supply.capacity_reported.v1", []string{`value="n95-respirator" selected>` + n95Zh + "<", `value="420000" selected>湖北省<`}},
		{"/console/anomalies", []string{"Wuhan Jinyintan Hospital <a", "接收量远超消耗", "<code>received_over_consumption</code>", "9000 received, 100/day used", "carrier delayed", `<label for="note-0">`, "标记为已复核"}},
		{"/console/allocations", []string{`<form method="post" action="/console/allocations"`, `<label for="o-reason">书面理由</label>`, `href="/console/allocations/alloc_1"`, `data-status="declined">已拒绝<`}},
		{"/console/allocations/alloc_1", []string{"Suzhou Mask Works <a", "Wuhan Jinyintan Hospital <a", "rule 2: critical need, nearest source", "policy/v1", `data-step="allocation_accepted"`, "接受调拨",
			"当前可用 1000，已预留 500", "3000 × " + n95Zh + "，危急，需在 2026-12-01 前到货", `<label for="c-reason">`, `<label for="r-need">`, `action="/console/allocations/alloc_1/redirect"`}},
		{"/console/audit?verify=1&event_id=evt_7", []string{`<dd data-field="size">42</dd>`, `<dd data-field="ok" data-ok="true">是</dd>`, "aGFzaDE=", "，序号 7"}},
		{"/console/audit?event_id=evt_nope", []string{"接口没有给出这个事件的证明：", "this event is not recorded in the log"}},
	} {
		p := c.get(tt.path)
		if p.status != http.StatusOK {
			t.Errorf("GET %s: %d\n%s", tt.path, p.status, p.body)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(p.body, w) {
				t.Errorf("GET %s: no %q in\n%s", tt.path, w, p.body)
			}
		}
		for _, w := range []string{`class="skip" href="#main"`, `<main id="main"`, `/console/static/style.css`, `<html lang="zh-CN">`, `id="lang-en"`} {
			if !strings.Contains(p.body, w) {
				t.Errorf("GET %s: no %q", tt.path, w)
			}
		}
	}
	// The live script's fragment: rows after an index, and the new last one.
	req, _ := http.NewRequest(http.MethodGet, c.srv.URL+"/console/feed/rows?after=7", nil)
	resp, err := c.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("X-Last-Index") != "8" || strings.Contains(string(b), `data-index="7"`) || !strings.Contains(string(b), `data-index="8"`) {
		t.Fatalf("rows after 7: %d %q %s", resp.StatusCode, resp.Header.Get("X-Last-Index"), b)
	}
	// Every call but the public checkpoint carried the regulator's own token.
	for _, call := range c.api.Calls() {
		if call.Path != "/v1/public/checkpoint" && call.Auth != "Bearer "+regulatorToken {
			t.Errorf("%s %s sent %q", call.Method, call.Path, call.Auth)
		}
	}
	// The feed's filters reach the API as its own filters.
	found := false
	for _, call := range c.api.Calls() {
		q, _ := url.ParseQuery(call.Query)
		if call.Path == "/v1/audit/events" && q.Get("item") == "n95-respirator" && q.Get("region") == "420000" && q.Get("org_id") == "org_m1" && q.Get("type") == "aidflow.supply.capacity_reported.v1" && q.Get("since") != "" {
			found = true
		}
	}
	if !found {
		t.Errorf("the feed's filters did not reach GET /v1/audit/events: %+v", c.api.Calls())
	}
	// Static assets: the public page's style sheet and the console's own.
	for _, path := range []string{"/console/static/style.css", "/console/static/console.css", "/console/static/console.js"} {
		if p := c.get(path); p.status != http.StatusOK || p.body == "" {
			t.Errorf("GET %s: %d", path, p.status)
		}
	}
}

func TestPagesRequireSignIn(t *testing.T) {
	c := boot(t, false)
	for _, path := range []string{"/console/", "/console/feed", "/console/anomalies", "/console/allocations", "/console/allocations/alloc_1", "/console/audit"} {
		if p := c.get(path); p.status != http.StatusSeeOther || p.location != "/console/sign-in" {
			t.Errorf("GET %s without signing in: %d %s", path, p.status, p.location)
		}
	}
	req, _ := http.NewRequest(http.MethodGet, c.srv.URL+"/console/feed/rows?after=1", nil)
	req.Header.Set("Accept", "text/html")
	if p := c.do(req); p.status != http.StatusUnauthorized {
		t.Errorf("the live fragment without signing in: %d", p.status)
	}
	// A forged cookie is no session.
	u, _ := url.Parse(c.srv.URL + "/console/")
	c.http.Jar.SetCookies(u, []*http.Cookie{{Name: ports.CookieName, Value: "bm90IGEgc2Vzc2lvbg", Path: "/console"}})
	if p := c.get("/console/"); p.status != http.StatusSeeOther {
		t.Errorf("a forged cookie: %d", p.status)
	}
	if len(c.api.Calls()) != 0 {
		t.Errorf("the API was called without a session: %+v", c.api.Calls())
	}
}

func TestSignInRefusesAllButRegulators(t *testing.T) {
	for _, tt := range []struct {
		name, lang, token string
		want              int
		says              []string
	}{
		{"hospital", "zh-CN", hospitalToken, http.StatusForbidden, []string{"本工作台仅供监管部门使用"}},
		{"hospital", "en", hospitalToken, http.StatusForbidden, []string{"for regulators only"}},
		// The API's detail as it said it, framed in the page's words.
		{"unknown token", "zh-CN", "aft1.forged", http.StatusUnauthorized, []string{"接口拒绝了这个令牌：", "the token is missing, invalid or revoked"}},
		{"unknown token", "en", "aft1.forged", http.StatusUnauthorized, []string{"The API refused this token:", "the token is missing, invalid or revoked"}},
		{"no token", "zh-CN", "  ", http.StatusUnprocessableEntity, []string{"请粘贴您的监管令牌"}},
		{"no token", "en", "  ", http.StatusUnprocessableEntity, []string{"Paste your regulator token"}},
	} {
		t.Run(tt.name+" "+tt.lang, func(t *testing.T) {
			c := boot(t, false)
			c.get("/console/sign-in?lang=" + tt.lang)
			p := c.signIn(tt.token)
			if p.status != tt.want || !containsAll(p.body, tt.says...) || !strings.Contains(p.body, `<html lang="`+tt.lang+`">`) {
				t.Fatalf("sign-in: %d\n%s", p.status, p.body)
			}
			// Nothing stored: the console still asks to sign in.
			if p := c.get("/console/"); p.status != http.StatusSeeOther {
				t.Fatalf("after a refused sign-in: %d", p.status)
			}
		})
	}
}

func TestSessionCookie(t *testing.T) {
	for _, secure := range []bool{false, true} {
		c := boot(t, secure)
		p := c.signIn(regulatorToken)
		var ck *http.Cookie
		for _, x := range p.cookies {
			if x.Name == ports.CookieName {
				ck = x
			}
		}
		if ck == nil {
			t.Fatal("no session cookie after signing in")
		}
		if !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Path != "/console" || ck.Secure != secure || ck.MaxAge <= 0 {
			t.Errorf("cookie %+v (secure configured %v)", ck, secure)
		}
		if strings.Contains(ck.Value, "regulator-token") {
			t.Error("the cookie holds the token in the clear")
		}
		if secure {
			continue
		}
		// Sign-out forgets the token.
		tok := csrf(t, c.get("/console/"))
		if p := c.post("/console/sign-out", url.Values{"csrf": {tok}}); p.status != http.StatusSeeOther {
			t.Fatalf("sign-out: %d", p.status)
		}
		if p := c.get("/console/"); p.status != http.StatusSeeOther {
			t.Fatalf("after sign-out: %d", p.status)
		}
		// No token in any URL the console answered with, nor in its logs.
		if strings.Contains(c.logs.String(), regulatorToken) {
			t.Errorf("the token is in the logs:\n%s", c.logs.String())
		}
		for _, call := range c.api.Calls() {
			if strings.Contains(call.Path+call.Query, "token-for-the-test") {
				t.Errorf("the token is in a URL: %+v", call)
			}
		}
	}
}

func TestRevokedTokenEndsTheSession(t *testing.T) {
	c := boot(t, false)
	c.signedIn()
	c.api.Revoke(regulatorToken)
	p := c.get("/console/anomalies")
	if p.status != http.StatusSeeOther || p.location != "/console/sign-in?ended=token" {
		t.Fatalf("after revocation: %d %s", p.status, p.location)
	}
	if p := c.get(p.location); p.status != http.StatusOK || !strings.Contains(p.body, "您的登录已结束") {
		t.Fatalf("sign-in page after revocation: %d\n%s", p.status, p.body)
	}
	if p := c.get("/console/"); p.status != http.StatusSeeOther {
		t.Fatalf("the revoked session still opens pages: %d", p.status)
	}
}

func TestFormsRefuseWithoutTheCSRFToken(t *testing.T) {
	c := boot(t, false)
	good := c.signedIn()
	forms := []struct {
		path string
		form url.Values
	}{
		{"/console/anomalies/review", url.Values{"id": {"accepted_not_dispatched:alloc_1"}, "note": {"ok"}}},
		{"/console/allocations", url.Values{"need_id": {"need_1"}, "source_kind": {"capacity"}, "source_id": {"cap_1"}, "quantity": {"10"}, "reason": {"r"}}},
		{"/console/allocations/alloc_1/cancel", url.Values{"reason": {"r"}}},
		{"/console/allocations/alloc_1/redirect", url.Values{"need_id": {"need_2"}, "reason": {"r"}}},
		{"/console/sign-out", url.Values{}},
	}
	for _, f := range forms {
		for _, token := range []string{"", "not-the-token", good + "x"} {
			form := url.Values{}
			for k, v := range f.form {
				form[k] = v
			}
			if token != "" {
				form.Set("csrf", token)
			}
			if p := c.post(f.path, form); p.status != http.StatusForbidden {
				t.Errorf("POST %s with csrf %q: %d", f.path, token, p.status)
			}
		}
	}
	if w := c.api.Writes(); len(w) != 0 {
		t.Fatalf("refused forms reached the API: %+v", w)
	}
	// The sign-in form is protected too.
	fresh := boot(t, false)
	if p := fresh.post("/console/sign-in", url.Values{"token": {regulatorToken}}); p.status != http.StatusForbidden {
		t.Fatalf("sign-in without csrf: %d", p.status)
	}
	if len(fresh.api.Calls()) != 0 {
		t.Fatal("a sign-in without csrf reached the API")
	}
}

func TestActionsSendExactlyTheAPICall(t *testing.T) {
	c := boot(t, false)
	tok := c.signedIn()
	for _, tt := range []struct {
		name     string
		path     string
		form     url.Values
		location string
		want     call
	}{
		{"review", "/console/anomalies/review",
			url.Values{"id": {"received_over_consumption:org_h1/n95-respirator"}, "note": {"checked with the hospital: a second ward opened"}},
			"/console/anomalies?done=reviewed",
			call{Method: "POST", Path: "/v1/audit/anomalies/received_over_consumption:org_h1%2Fn95-respirator/review", Body: `{"note":"checked with the hospital: a second ward opened"}`}},
		{"make", "/console/allocations",
			url.Values{"need_id": {"need_1"}, "source_kind": {"capacity"}, "source_id": {"cap_1"}, "quantity": {"250"}, "reason": {"Wuhan designated hospital first"}},
			"/console/allocations/alloc_9?done=made",
			call{Method: "POST", Path: "/v1/allocations", Body: `{"need_id":"need_1","source_kind":"capacity","source_id":"cap_1","quantity":250,"reason":"Wuhan designated hospital first"}`}},
		{"cancel", "/console/allocations/alloc_1/cancel",
			url.Values{"reason": {"the source's stock was found damaged"}},
			"/console/allocations/alloc_1?done=cancelled",
			call{Method: "POST", Path: "/v1/allocations/alloc_1/cancel", Body: `{"reason":"the source's stock was found damaged"}`}},
		{"redirect", "/console/allocations/alloc_1/redirect",
			url.Values{"need_id": {" need_2 "}, "reason": {"need_2 is a designated hospital with no stock left"}},
			"/console/allocations/alloc_9?done=redirected",
			call{Method: "POST", Path: "/v1/allocations/alloc_1/redirect", Body: `{"need_id":"need_2","reason":"need_2 is a designated hospital with no stock left"}`}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := len(c.api.Writes())
			tt.form.Set("csrf", tok)
			p := c.post(tt.path, tt.form)
			if p.status != http.StatusSeeOther || p.location != tt.location {
				t.Fatalf("%d %s\n%s", p.status, p.location, p.body)
			}
			w := c.api.Writes()
			if len(w) != before+1 {
				t.Fatalf("API writes %+v, want one more", w)
			}
			got := w[len(w)-1]
			if got.Method != tt.want.Method || got.Path != tt.want.Path || got.Auth != "Bearer "+regulatorToken || !jsonEqual(got.Body, tt.want.Body) {
				t.Fatalf("sent %+v\nwant %+v", got, tt.want)
			}
			if p := c.get(p.location); p.status != http.StatusOK || !strings.Contains(p.body, `class="flash"`) {
				t.Fatalf("after the action: %d\n%s", p.status, p.body)
			}
		})
	}
}

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

func jsonEqual(a, b string) bool {
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return false
	}
	xa, _ := json.Marshal(x)
	yb, _ := json.Marshal(y)
	return bytes.Equal(xa, yb)
}

func TestRefusalsShowTheAPIsDetail(t *testing.T) {
	c := boot(t, false)
	tok := c.signedIn()
	c.api.Refuse("POST /v1/allocations", 422, "reason is required: say why the policy is overridden")
	c.api.Refuse("POST /v1/allocations/alloc_1/cancel", 409, "the allocation was already dispatched")
	c.api.Refuse("POST /v1/allocations/alloc_1/redirect", 422, "need_id: the target need is for goggles, not n95-respirator")
	c.api.Refuse("POST /v1/audit/anomalies/accepted_not_dispatched:alloc_1/review", 422, "note must be at most 2000 characters")
	// The API's detail as it said it, under the page's own heading; the
	// switch reloads the action's page, not its POST path.
	for _, tt := range []struct {
		path            string
		form            url.Values
		status          int
		heading, detail string
		keeps, page     string
	}{
		{"/console/allocations", url.Values{"need_id": {"need_1"}, "source_kind": {"capacity"}, "source_id": {"cap_1"}, "quantity": {"5"}, "reason": {"x"}},
			422, "接口拒绝了请求（HTTP 422）：", "reason is required: say why the policy is overridden", `value="need_1"`, "/console/allocations"},
		{"/console/allocations", url.Values{"need_id": {"need_1"}, "source_kind": {"capacity"}, "source_id": {"cap_1"}, "quantity": {"five"}, "reason": {"x"}},
			422, "未提交。", "数量必须是大于零的整数。", `value="cap_1"`, "/console/allocations"},
		{"/console/allocations/alloc_1/cancel", url.Values{"reason": {"too late"}},
			409, "接口拒绝了请求（HTTP 409）：", "the allocation was already dispatched", ">too late</textarea>", "/console/allocations/alloc_1"},
		{"/console/anomalies/review", url.Values{"id": {"accepted_not_dispatched:alloc_1"}, "note": {"n"}},
			422, "接口拒绝了请求（HTTP 422）：", "note must be at most 2000 characters", "标记为已复核", "/console/anomalies"},
		{"/console/allocations/alloc_1/redirect", url.Values{"need_id": {"need_g"}, "reason": {"r"}},
			422, "接口拒绝了请求（HTTP 422）：", "the target need is for goggles", `value="need_g"`, "/console/allocations/alloc_1"},
	} {
		tt.form.Set("csrf", tok)
		p := c.post(tt.path, tt.form)
		if p.status != tt.status || !containsAll(p.body, `role="alert"`, "<strong>"+tt.heading+"</strong>", tt.detail, tt.keeps, `href="`+tt.page+`?lang=en"`) {
			t.Errorf("POST %s: %d\n%s", tt.path, p.status, p.body)
		}
	}
}

func TestLoadConfig(t *testing.T) {
	key := "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=" // 32 bytes
	for _, tt := range []struct {
		name    string
		env     map[string]string
		wantErr string
	}{
		{"defaults", map[string]string{"AIDFLOW_CONSOLE_API_URL": "http://gateway:8080"}, ""},
		{"everything", map[string]string{"AIDFLOW_CONSOLE_API_URL": "https://aidflow.example", "AIDFLOW_CONSOLE_SESSION_KEY": key,
			"AIDFLOW_CONSOLE_SECURE_COOKIE": "true", "AIDFLOW_CONSOLE_SESSION_TTL": "1h", "AIDFLOW_CONSOLE_STALE_AFTER": "24h"}, ""},
		{"no API URL", map[string]string{}, "AIDFLOW_CONSOLE_API_URL"},
		{"API URL not a URL", map[string]string{"AIDFLOW_CONSOLE_API_URL": "gateway"}, "AIDFLOW_CONSOLE_API_URL"},
		{"short key", map[string]string{"AIDFLOW_CONSOLE_API_URL": "http://g", "AIDFLOW_CONSOLE_SESSION_KEY": "c2hvcnQ="}, "AIDFLOW_CONSOLE_SESSION_KEY"},
		{"tiny TTL", map[string]string{"AIDFLOW_CONSOLE_API_URL": "http://g", "AIDFLOW_CONSOLE_SESSION_TTL": "1s"}, "AIDFLOW_CONSOLE_SESSION_TTL"},
		{"tiny stale", map[string]string{"AIDFLOW_CONSOLE_API_URL": "http://g", "AIDFLOW_CONSOLE_STALE_AFTER": "1m"}, "AIDFLOW_CONSOLE_STALE_AFTER"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			l := config.FromMap(tt.env)
			c := service.LoadConfig(l)
			err := l.Err()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one naming %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.name == "everything" && (len(c.SessionKey) != 32 || !c.SecureCookie || c.SessionTTL != time.Hour || c.StaleAfter != 24*time.Hour) {
				t.Fatalf("config %+v", c)
			}
			if tt.name == "defaults" && (c.SessionKey != nil || c.SecureCookie || c.SessionTTL != service.DefaultSessionTTL || c.HTTPAddr != ":8080") {
				t.Fatalf("config %+v", c)
			}
		})
	}
}

func TestAnAPIThatDoesNotAnswer(t *testing.T) {
	c := boot(t, false)
	c.signedIn()
	c.api.srv.Close()
	p := c.get("/console/feed")
	if p.status != http.StatusBadGateway || !strings.Contains(p.body, "无法连接接口") {
		t.Fatalf("with the API down: %d\n%s", p.status, p.body)
	}
	logs := c.logs.String()
	if !strings.Contains(logs, "API call failed") || strings.Contains(logs, regulatorToken) {
		t.Fatalf("logs:\n%s", logs)
	}
}

func TestPagesShowIdsWhenNamesCannotBeRead(t *testing.T) {
	c := boot(t, false)
	c.signedIn()
	c.api.Refuse("GET /v1/orgs", http.StatusForbidden, "regulators and operators only")
	for _, path := range []string{"/console/", "/console/allocations/alloc_1", "/console/anomalies"} {
		p := c.get(path)
		if p.status != http.StatusOK || strings.Contains(p.body, "Suzhou Mask Works") || !strings.Contains(p.body, "<code>org_") {
			t.Errorf("GET %s without names: %d\n%s", path, p.status, p.body)
		}
	}
}
