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
	"github.com/aidflow/aidflow/web"
)

// pageNames are the templates in web/console/templates beside layout.html.
var pageNames = []string{"signin", "refused", "overview", "feed", "anomalies", "allocations", "story", "audit"}

// Pages renders the console's templates.
type Pages struct {
	sets   map[string]*template.Template
	static http.Handler
}

type option struct{ Code, Name string }

// NewPages parses the templates in web.Console.
func NewPages() (*Pages, error) {
	funcs := template.FuncMap{
		"item": func(code string) string {
			if it, ok := catalog.Lookup(code); ok {
				return it.Name
			}
			return code
		},
		"province": func(code string) string {
			if r, ok := regions.Lookup(regions.ProvinceOf(code)); ok {
				return r.Name
			}
			return code
		},
		"when": func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05") + " UTC" },
		"iso":  func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"pct":  func(f float64) string { return strconv.FormatFloat(f*100, 'f', 0, 64) + " %" },
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
	p := &Pages{sets: map[string]*template.Template{}}
	for _, name := range pageNames {
		t, err := template.New(name).Funcs(funcs).ParseFS(web.Console, "console/templates/layout.html", "console/templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("console template %s: %w", name, err)
		}
		p.sets[name] = t
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

// problem is an error shown at the top of a page.
type problem struct {
	Heading string
	Detail  string
	Fields  []domain.FieldError
}

// problemOf shows the API's refusal as it said it; any other error
// (the API down) says so without details.
func problemOf(err error) *problem {
	var ae *domain.APIError
	if errors.As(err, &ae) {
		return &problem{Heading: fmt.Sprintf("The API refused (%d %s):", ae.Status, http.StatusText(ae.Status)), Detail: ae.Error(), Fields: ae.Errors}
	}
	return &problem{Heading: "The API could not be reached.", Detail: "Try again in a moment."}
}

// view is what every page template gets.
type view struct {
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
	var buf bytes.Buffer
	if err := p.sets[name].ExecuteTemplate(&buf, "layout", v); err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Language", "en")
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
	if err := p.sets["feed"].ExecuteTemplate(&buf, "rows", evs); err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.HTMLBlob(http.StatusOK, buf.Bytes())
}

func itemOptions() []option {
	var out []option
	for _, it := range catalog.Items() {
		out = append(out, option{it.Code, it.Name})
	}
	return out
}

func provinceOptions() []option {
	var out []option
	for _, r := range regions.Provinces() {
		out = append(out, option{r.Code, r.Name})
	}
	return out
}
