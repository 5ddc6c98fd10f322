package ports

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/aidflow/aidflow/contracts/catalog"
	"github.com/aidflow/aidflow/contracts/regions"
	"github.com/aidflow/aidflow/services/console/domain"
	"github.com/aidflow/aidflow/shared/i18n"
	"github.com/aidflow/aidflow/web"
)

// pageNames are the templates in web/console/templates beside layout.html.
var pageNames = []string{"signin", "refused", "overview", "feed", "anomalies", "allocations", "story", "audit"}

// Pages renders the console's templates, one set per language.
type Pages struct {
	sets   map[string]map[string]*template.Template
	static http.Handler
}

type option struct{ Code, Name string }

// NewPages parses the templates in web.Console once per language, with
// functions that name items, provinces and the API's codes in it.
func NewPages() (*Pages, error) {
	p := &Pages{sets: map[string]map[string]*template.Template{}}
	for lang, w := range words {
		funcs := pageFuncs(lang, w)
		p.sets[lang] = map[string]*template.Template{}
		for _, name := range pageNames {
			t, err := template.New(name).Funcs(funcs).ParseFS(web.Console, "console/templates/layout.html", "console/templates/"+name+".html")
			if err != nil {
				return nil, fmt.Errorf("console template %s: %w", name, err)
			}
			p.sets[lang][name] = t
		}
	}
	// The public page's style sheet, so the console looks like it, and
	// the console's own additions and script.
	public, err := fs.Sub(web.FS, "static")
	if err != nil {
		return nil, err
	}
	own, err := fs.Sub(web.Console, "console/static")
	if err != nil {
		return nil, err
	}
	publicFS, ownFS := http.FileServerFS(public), http.FileServerFS(own)
	p.static = http.StripPrefix("/console/static", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/style.css" {
			publicFS.ServeHTTP(w, r)
			return
		}
		ownFS.ServeHTTP(w, r)
	}))
	return p, nil
}

// pageFuncs are the templates' functions in lang. Dates and times stay
// ISO in every language.
func pageFuncs(lang string, w language) template.FuncMap {
	code := func(names map[string]string) func(string) string {
		return func(c string) string {
			if n, ok := names[c]; ok {
				return n
			}
			return c
		}
	}
	return template.FuncMap{
		"item":       func(c string) string { return i18n.ItemName(c, lang) },
		"province":   func(c string) string { return i18n.ProvinceName(c, lang) },
		"status":     code(w.Status),
		"needStatus": code(w.NeedStatus),
		"urgency":    code(w.Urgency),
		"kind":       code(w.Kind),
		"rule":       code(w.Rule),
		"subject":    code(w.Subject),
		"step":       code(w.Step),
		"when":       func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05") + " UTC" },
		"iso":        func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"pct":        func(f float64) string { return strconv.FormatFloat(f*100, 'f', 0, 64) + " %" },
		"evidence": func(a domain.Anomaly) string {
			q := url.Values{}
			if a.OrgID != "" {
				q.Set("org_id", a.OrgID)
			}
			if a.Item != "" {
				q.Set("item", a.Item)
			}
			if t, err := time.Parse(time.RFC3339, a.Since); err == nil {
				q.Set("since", t.Add(-time.Hour).UTC().Format(time.RFC3339))
			}
			return q.Encode()
		},
	}
}

// problem is an error shown at the top of a page.
type problem struct {
	Heading string
	Detail  string
	Fields  []domain.FieldError
}

// problemOf shows the API's refusal in the page's words around the
// API's own (its detail and field errors, as it said them); any other
// error (the API down) says so without details.
func problemOf(err error, t texts) *problem {
	var ae *domain.APIError
	if errors.As(err, &ae) {
		return &problem{Heading: fmt.Sprintf(t.APIRefused, ae.Status), Detail: ae.Error(), Fields: ae.Errors}
	}
	return &problem{Heading: t.Unreachable, Detail: t.UnreachableDetail}
}

// view is what every page template gets.
type view struct {
	// Lang is the page's language, T its words, Languages the switch.
	Lang      string
	T         texts
	Languages []langLink
	// Here is the page a language switch reloads when the request was a
	// form's POST (a GET reloads itself, filters and all).
	Here  string
	Title string
	Nav   string
	CSRF  string
	Me    domain.Session
	Flash string
	Error *problem
	// Script loads console.js (the live feed).
	Script bool
	Data   any
	// Extra is a page's small extra (a threshold in words).
	Extra string
	// Names are organizations' names by id, where the page names them.
	Names map[string]string
	// Choices for the forms' selects.
	Items     []option
	Provinces []option
	Types     []string
	Statuses  []string
}

func (p *Pages) render(c echo.Context, status int, name string, v view) error {
	v.Me.Token = tokenShown(v.Me.Token)
	v.Lang, v.T = langOf(c), tr(c).T
	v.Languages = switchLinks(c, v.Lang, v.Here)
	var buf bytes.Buffer
	if err := p.sets[v.Lang][name].ExecuteTemplate(&buf, "layout", v); err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Language", v.Lang)
	return c.HTMLBlob(status, buf.Bytes())
}

// tokenShown keeps the token itself out of every template: they only
// need to know whether someone is signed in.
func tokenShown(t string) string {
	if t == "" {
		return ""
	}
	return "signed-in"
}

// rows renders the feed's rows alone, for the live script.
func (p *Pages) rows(c echo.Context, evs []domain.Event) error {
	var buf bytes.Buffer
	if err := p.sets[langOf(c)]["feed"].ExecuteTemplate(&buf, "rows", evs); err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	c.Response().Header().Set("Content-Language", langOf(c))
	return c.HTMLBlob(http.StatusOK, buf.Bytes())
}

func itemOptions(lang string) []option {
	var out []option
	for _, code := range catalog.Codes() {
		out = append(out, option{code, i18n.ItemName(code, lang)})
	}
	return out
}

func provinceOptions(lang string) []option {
	var out []option
	for _, r := range regions.Provinces() {
		out = append(out, option{r.Code, i18n.ProvinceName(r.Code, lang)})
	}
	return out
}
