package ports

import (
	"net/http"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/aidflow/aidflow/shared/i18n"
)

// LangCookie remembers the language a browser chose, so every page, form
// and redirect after it (sign-in, an action's 303, a refused form,
// sign-out) speaks it. It is a cookie of its own, not part of the
// session: it outlives a sign-out and an ended session, and holds nothing
// but "zh-CN" or "en".
const LangCookie = "aidflow_console_lang"

// LangCookieTTL is how long the choice is remembered.
const LangCookieTTL = 365 * 24 * time.Hour

const langKey = "console.lang"

// language picks the request's language: ?lang= when it names one
// (remembered from then on), else the remembered one, else zh-CN.
func (h handlers) language(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		l, ok := i18n.Parse(c.QueryParam("lang"))
		if ok {
			c.SetCookie(&http.Cookie{
				Name: LangCookie, Value: l, Path: "/console", MaxAge: int(LangCookieTTL.Seconds()),
				Expires: h.sessions.Now().Add(LangCookieTTL), HttpOnly: true, Secure: h.sessions.Secure, SameSite: http.SameSiteLaxMode,
			})
		} else if ck, err := c.Cookie(LangCookie); err == nil {
			l, ok = i18n.Parse(ck.Value)
		}
		if !ok {
			l = i18n.Default
		}
		c.Set(langKey, l)
		return next(c)
	}
}

// langOf is the language the request's pages speak.
func langOf(c echo.Context) string {
	if l, ok := c.Get(langKey).(string); ok {
		return l
	}
	return i18n.Default
}

// tr is the request's words.
func tr(c echo.Context) language { return words[langOf(c)] }

// langLink is one language in a page's switch.
type langLink struct {
	Code, Name, Href string
	Current          bool
}

// switchLinks are the page's language switch: each language links to
// this same page, filters and all, with ?lang= set. A page shown for a
// form's POST (a refusal) links to here, the page that form belongs to,
// since reloading a POST is not a link's to make.
func switchLinks(c echo.Context, current, here string) []langLink {
	r := c.Request()
	path, q := r.URL.EscapedPath(), r.URL.Query()
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		if here == "" {
			here = "/console/"
		}
		u, err := url.Parse(here)
		if err != nil {
			u = &url.URL{Path: "/console/"}
		}
		path, q = u.EscapedPath(), u.Query()
	}
	out := make([]langLink, 0, len(i18n.Languages))
	for _, l := range i18n.Languages {
		q.Set("lang", l.Code)
		out = append(out, langLink{Code: l.Code, Name: l.Name, Href: path + "?" + q.Encode(), Current: l.Code == current})
	}
	return out
}
