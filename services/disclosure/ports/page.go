package ports

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/aidflow/aidflow/contracts/catalog"
	"github.com/aidflow/aidflow/contracts/regions"
	"github.com/aidflow/aidflow/services/disclosure/domain"
	"github.com/aidflow/aidflow/shared/i18n"
	"github.com/aidflow/aidflow/web"
)

// PageFlows is how many recent flows the page lists.
const PageFlows = 20

// Page renders the public page from web's templates.
type Page struct {
	tmpl   *template.Template
	static http.Handler
	Now    func() time.Time
}

// NewPage parses the templates in web.FS.
func NewPage() (*Page, error) {
	tmpl, err := template.New("page.html").Funcs(template.FuncMap{"province": regions.ProvinceOf}).ParseFS(web.FS, "templates/page.html")
	if err != nil {
		return nil, fmt.Errorf("page template: %w", err)
	}
	static, err := fs.Sub(web.FS, "static")
	if err != nil {
		return nil, err
	}
	return &Page{tmpl: tmpl, static: http.StripPrefix("/static/", http.FileServerFS(static)), Now: time.Now}, nil
}

// Static serves web's static/ under /static/.
func (p *Page) Static() http.Handler { return p.static }

type pageData struct {
	Lang        string
	T           texts
	Policy      []string
	LevelNames  map[string]string
	StatusNames map[string]string
	ItemNames   map[string]string
	Provinces   map[string]string
	Levels      []string
	Datasets    []string
	Summary     []domain.SummaryItem
	Tiles       []tile
	Flows       []domain.Flow
	Now         time.Time
	// Script is what the page's JavaScript needs to render live changes
	// in the page's language (a JSON island).
	Script map[string]any
}

func (h handlers) index(c echo.Context) error {
	l, ok := i18n.Parse(c.QueryParam("lang"))
	if !ok {
		l = i18n.Default
	}
	en := l == i18n.En
	v := h.app.Views()
	flows := v.Flows
	if len(flows) > PageFlows {
		flows = flows[:PageFlows]
	}
	items := map[string]string{}
	for _, code := range catalog.Codes() {
		items[code] = i18n.ItemName(code, l)
	}
	provinces := map[string]string{}
	for _, p := range regions.Provinces() {
		provinces[p.Code] = i18n.ProvinceName(p.Code, l)
	}
	w := words[l]
	d := pageData{Lang: l, T: w.T, Policy: w.Policy, LevelNames: w.Levels, StatusNames: w.Status, ItemNames: items, Provinces: provinces,
		Levels:   []string{domain.LevelRed, domain.LevelOrange, domain.LevelYellow, domain.LevelBlue, domain.LevelGreen},
		Datasets: []string{domain.DatasetFlows, domain.DatasetSummary, domain.DatasetRegions},
		Summary:  v.Summary, Tiles: tiles(v.Regions, en), Flows: flows, Now: h.page.Now().UTC()}
	d.Script = map[string]any{"lang": l, "items": items, "provinces": provinces, "levels": w.Levels, "status": w.Status, "t": w.T, "maxFlows": PageFlows}
	var buf bytes.Buffer
	if err := h.page.tmpl.Execute(&buf, d); err != nil {
		return err
	}
	c.Response().Header().Set("Content-Language", l)
	c.Response().Header().Set("Vary", "Accept-Encoding")
	return c.HTMLBlob(http.StatusOK, buf.Bytes())
}
