package service_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aidflow/aidflow/services/console/ports"
)

func langCookie(p page) *http.Cookie {
	for _, ck := range p.cookies {
		if ck.Name == ports.LangCookie {
			return ck
		}
	}
	return nil
}

var switchHref = regexp.MustCompile(`<a href="([^"]*)" lang="([^"]*)" hreflang="[^"]*" id="lang-[^"]*" class="lang-switch">`)

// switchTo is where a page's language switch to lang leads.
func switchTo(t *testing.T, p page, lang string) string {
	t.Helper()
	for _, m := range switchHref.FindAllStringSubmatch(p.body, -1) {
		if m[2] == lang {
			return html.UnescapeString(m[1])
		}
	}
	t.Fatalf("no switch to %s on the page:\n%s", lang, p.body)
	return ""
}

func TestTheLanguageSwitchKeepsThePageAndIsRemembered(t *testing.T) {
	c := boot(t, true)
	p := c.get("/console/sign-in")
	if !containsAll(p.body, `<html lang="zh-CN">`, "监管令牌", `<strong aria-current="true" lang="zh-CN">中文</strong>`) || langCookie(p) != nil {
		t.Fatalf("the sign-in page by default:\n%s", p.body)
	}
	// English from the switch: the same page, the choice remembered.
	to := switchTo(t, p, "en")
	if to != "/console/sign-in?lang=en" {
		t.Fatalf("the switch leads to %q", to)
	}
	p = c.get(to)
	ck := langCookie(p)
	if !containsAll(p.body, `<html lang="en">`, "Regulator token") || ck == nil || ck.Value != "en" || ck.Path != "/console" || !ck.HttpOnly || !ck.Secure || ck.MaxAge <= 0 {
		t.Fatalf("after the switch: cookie %+v\n%s", ck, p.body)
	}
}

func TestTheLanguageHoldsThroughFormsAndRedirects(t *testing.T) {
	c := boot(t, false)
	c.get("/console/sign-in?lang=en")
	tok := c.signedIn() // the sign-in POST and its redirect
	p := c.get("/console/")
	if !containsAll(p.body, `<html lang="en">`, "Supply and demand", "Sign out") || p.status != http.StatusOK {
		t.Fatalf("the overview after signing in:\n%s", p.body)
	}
	// A feed with filters: the switch keeps them.
	p = c.get("/console/feed?item=n95-respirator&region=420000&org_id=org_m1")
	to, err := url.Parse(switchTo(t, p, "zh-CN"))
	if err != nil {
		t.Fatal(err)
	}
	q := to.Query()
	if to.Path != "/console/feed" || q.Get("item") != "n95-respirator" || q.Get("region") != "420000" || q.Get("org_id") != "org_m1" || q.Get("lang") != "zh-CN" {
		t.Fatalf("the feed's switch leads to %s", to)
	}
	if p := c.get(to.String()); !containsAll(p.body, `<html lang="zh-CN">`, `value="420000" selected>湖北省<`, "全部物资") {
		t.Fatalf("the feed in zh-CN:\n%s", p.body)
	}
	if p := c.get("/console/anomalies"); !strings.Contains(p.body, `<html lang="zh-CN">`) {
		t.Fatal("the switch back to zh-CN was not remembered")
	}
	c.get("/console/?lang=en")
	// An action: its 303 and the page it leads to.
	p = c.post("/console/allocations", url.Values{"csrf": {tok}, "need_id": {"need_1"}, "source_kind": {"capacity"}, "source_id": {"cap_1"}, "quantity": {"5"}, "reason": {"r"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("override: %d", p.status)
	}
	if p := c.get(p.location); !containsAll(p.body, `<html lang="en">`, "The allocation is made and recorded with your reason.") {
		t.Fatalf("after the override:\n%s", p.body)
	}
	// A refused form: its page, in English, with a switch to that page.
	c.api.Refuse("POST /v1/allocations/alloc_1/cancel", 409, "the allocation was already dispatched")
	p = c.post("/console/allocations/alloc_1/cancel", url.Values{"csrf": {tok}, "reason": {"too late"}})
	if p.status != http.StatusConflict || !containsAll(p.body, `<html lang="en">`, "The API refused (HTTP 409):", "the allocation was already dispatched") ||
		switchTo(t, p, "zh-CN") != "/console/allocations/alloc_1?lang=zh-CN" {
		t.Fatalf("a refused cancel:\n%s", p.body)
	}
	// A form without its CSRF token.
	if p := c.post("/console/allocations/alloc_1/cancel", url.Values{"reason": {"r"}}); p.status != http.StatusForbidden ||
		!containsAll(p.body, `<html lang="en">`, "This form has expired or did not come from the console.") {
		t.Fatalf("a forged form: %d\n%s", p.status, p.body)
	}
	// A value that names no language changes nothing.
	if p := c.get("/console/audit?lang=fr"); !strings.Contains(p.body, `<html lang="en">`) || langCookie(p) != nil {
		t.Fatalf("?lang=fr:\n%s", p.body)
	}
	// Sign-out, and the sign-in page it leads to.
	p = c.post("/console/sign-out", url.Values{"csrf": {tok}})
	if p := c.get(p.location); !containsAll(p.body, `<html lang="en">`, "Regulator token") {
		t.Fatalf("after sign-out:\n%s", p.body)
	}
	// A revoked token's redirect to the sign-in page.
	c.signedIn()
	c.api.Revoke(regulatorToken)
	p = c.get("/console/feed")
	if p := c.get(p.location); !containsAll(p.body, `<html lang="en">`, "Your session ended.") {
		t.Fatalf("after revocation:\n%s", p.body)
	}
}

// pagesIn renders every page and message of the console in lang with
// the fake API: sign-in and its refusals, every page, the confirmations,
// refused and forged forms, the live rows, the API down.
func pagesIn(t *testing.T, lang string) map[string]page {
	t.Helper()
	c := boot(t, false)
	c.get("/console/sign-in?lang=" + lang)
	out := map[string]page{"sign-in": c.get("/console/sign-in"), "session ended": c.get("/console/sign-in?ended=token")}
	for name, token := range map[string]string{"hospital": hospitalToken, "no token": " ", "unknown token": "aft1.forged"} {
		out["sign-in refused: "+name] = c.signIn(token)
	}
	out["forged sign-in"] = c.post("/console/sign-in", url.Values{"token": {regulatorToken}})
	tok := c.signedIn()
	for _, path := range []string{"/console/", "/console/?province=420000", "/console/feed", "/console/anomalies", "/console/allocations",
		"/console/allocations/alloc_1", "/console/audit?verify=1&event_id=evt_7", "/console/audit?event_id=evt_nope",
		"/console/anomalies?done=reviewed", "/console/allocations/alloc_1?done=cancelled", "/console/allocations/alloc_9?done=made",
		"/console/allocations/alloc_9?done=redirected", "/console/feed/rows?after=1"} {
		out[path] = c.get(path)
	}
	c.api.Refuse("POST /v1/allocations", 422, "reason is required")
	out["refused override"] = c.post("/console/allocations", url.Values{"csrf": {tok}, "need_id": {"n"}, "source_kind": {"capacity"}, "source_id": {"s"}, "quantity": {"1"}, "reason": {"r_1"}})
	out["bad quantity"] = c.post("/console/allocations", url.Values{"csrf": {tok}, "quantity": {"five"}})
	out["forged form"] = c.post("/console/anomalies/review", url.Values{"id": {"x"}})
	c.api.srv.Close()
	out["API down"] = c.get("/console/feed")
	out["API down on a form"] = c.post("/console/allocations/alloc_1/cancel", url.Values{"csrf": {tok}, "reason": {"r"}})
	return out
}

var (
	hidden     = regexp.MustCompile(`(?s)<script.*?</script>|<style.*?</style>|<code[^>]*>.*?</code>|<nav aria-label="[^"]*" id="lang">.*?</nav>`)
	anyTag     = regexp.MustCompile(`(?s)<[^>]*>`)
	readAloud  = regexp.MustCompile(`(?:aria-label|title|placeholder|alt|data-says-[a-z]+)="([^"]*)"`)
	asciiWord  = regexp.MustCompile(`[A-Za-z0-9_./:+-]*[A-Za-z][A-Za-z0-9_./:+-]*`)
	identifier = regexp.MustCompile(`[0-9_./:]`)
	han        = regexp.MustCompile(`\p{Han}+`)
)

// shownText is what a reader sees or hears of a page, less code (ids,
// event types, API paths) and the language switch, which names each
// language in its own words.
func shownText(body string) string {
	var attrs []string
	for _, m := range readAloud.FindAllStringSubmatch(body, -1) {
		attrs = append(attrs, m[1])
	}
	text := anyTag.ReplaceAllString(hidden.ReplaceAllString(body, " "), " ")
	return html.UnescapeString(text + " " + strings.Join(attrs, " "))
}

// apiTexts are what the fake API says in its own words (names,
// reasons, notes, refusals): the console shows them as the API sent them.
var apiTexts = []string{"Suzhou Mask Works", "Wuhan Jinyintan Hospital", "Test regulator", "rule 2: critical need, nearest source",
	"Wuhan designated hospital first", "9000 received, 100/day used", "accepted 52h ago", "carrier delayed", "GB 19083",
	"this event is not recorded in the log", "the token is missing, invalid or revoked", "reason is required"}

// Words that are the same in zh-CN: the product's name and standards'
// abbreviations.
var sameInZh = []string{"Aidflow", "ID", "UTC", "RFC", "HTTP", "HttpOnly", "Cookie"}

func TestPagesSpeakOneLanguage(t *testing.T) {
	t.Run("zh-CN: no English but the API's own texts and codes", func(t *testing.T) {
		for name, p := range pagesIn(t, "zh-CN") {
			if name != "/console/feed/rows?after=1" && !strings.Contains(p.body, `<html lang="zh-CN">`) {
				t.Errorf("%s: %d, not zh-CN:\n%s", name, p.status, p.body)
				continue
			}
			text := shownText(p.body)
			for _, s := range apiTexts {
				text = strings.ReplaceAll(text, s, " ")
			}
			for _, w := range asciiWord.FindAllString(text, -1) {
				if !identifier.MatchString(w) && !slices.Contains(sameInZh, w) {
					t.Errorf("%s: English %q on the zh-CN page", name, w)
				}
			}
		}
	})
	t.Run("en: no Chinese", func(t *testing.T) {
		for name, p := range pagesIn(t, "en") {
			if name != "/console/feed/rows?after=1" && !strings.Contains(p.body, `<html lang="en">`) {
				t.Errorf("%s: %d, not English:\n%s", name, p.status, p.body)
				continue
			}
			if w := han.FindString(shownText(p.body)); w != "" {
				t.Errorf("%s: Chinese %q on the English page", name, w)
			}
		}
	})
}
