// Package ports is disclosure's public HTTP surface (API.md, "Public
// disclosure" and "Catalog"), the page, and its event consumers. Nothing
// here needs a token.
package ports

import (
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/aidflow/aidflow/contracts/catalog"
	"github.com/aidflow/aidflow/services/disclosure/app"
	"github.com/aidflow/aidflow/services/disclosure/domain"
	"github.com/aidflow/aidflow/shared/httpx"
)

type handlers struct {
	app  *app.App
	page *Page
}

// Register mounts every public route on e.
func Register(e *echo.Echo, a *app.App, page *Page) {
	h := handlers{app: a, page: page}
	e.GET("/v1/catalog/items", h.catalog)
	e.GET("/v1/public/summary", h.summary)
	e.GET("/v1/public/regions", h.regions)
	e.GET("/v1/public/flows", h.flows)
	e.GET("/v1/public/stream", h.stream)
	e.GET("/v1/public/export/:file", h.export)
	e.GET("/", h.index)
	e.GET("/static/*", echo.WrapHandler(page.Static()))
}

// Public answers may be cached briefly by browsers and proxies; the live
// feed is the way to see changes at once.
func public(c echo.Context) {
	c.Response().Header().Set("Cache-Control", "public, max-age=5")
}

// positionKey pages a list kept in a fixed order by position.
func positionKey(i int) string { return fmt.Sprintf("%06d", i) }

func pageByPosition[T any](c echo.Context, all []T) error {
	p, err := httpx.ParsePage(c)
	if err != nil {
		return err
	}
	type keyed struct {
		key string
		v   T
	}
	ks := make([]keyed, len(all))
	for i, v := range all {
		ks[i] = keyed{positionKey(i), v}
	}
	got, next := httpx.Paginate(ks, func(k keyed) string { return k.key }, p)
	items := make([]T, len(got))
	for i, k := range got {
		items[i] = k.v
	}
	public(c)
	return c.JSON(http.StatusOK, httpx.NewList(items, next))
}

func (h handlers) catalog(c echo.Context) error {
	return pageByPosition[catalog.Item](c, h.app.CatalogItems())
}

func (h handlers) summary(c echo.Context) error {
	return pageByPosition(c, h.app.Summary())
}

func (h handlers) regions(c echo.Context) error {
	p, err := httpx.ParsePage(c)
	if err != nil {
		return err
	}
	items, next := httpx.Paginate(h.app.Regions(), func(r domain.RegionShortage) string { return r.Province }, p)
	public(c)
	return c.JSON(http.StatusOK, httpx.NewList(items, next))
}

func (h handlers) flows(c echo.Context) error {
	p, err := httpx.ParsePage(c)
	if err != nil {
		return err
	}
	items, next := httpx.Paginate(h.app.Flows(), domain.FlowKey, p)
	public(c)
	return c.JSON(http.StatusOK, httpx.NewList(items, next))
}
