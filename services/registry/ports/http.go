// Package ports is the registry's HTTP surface (API.md, "Organizations and tokens").
package ports

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/aidflow/aidflow/services/registry/app"
	"github.com/aidflow/aidflow/services/registry/domain"
	"github.com/aidflow/aidflow/shared/apperr"
	"github.com/aidflow/aidflow/shared/auth"
	"github.com/aidflow/aidflow/shared/httpx"
)

type handlers struct{ app *app.App }

// Register mounts the registry's routes on g (a group that already
// requires a valid token).
func Register(g *echo.Group, a *app.App) {
	h := handlers{a}
	op := auth.Require(auth.Operator)
	g.POST("/v1/orgs", h.createOrg, op)
	g.GET("/v1/orgs", h.listOrgs, auth.Require(auth.Operator, auth.Regulator))
	g.GET("/v1/orgs/:id", h.getOrg)
	g.POST("/v1/orgs/:id/tokens", h.issueToken, op, httpx.NoBody)
	g.DELETE("/v1/tokens/:token_id", h.revokeToken, op, httpx.NoBody)
	g.GET("/v1/me", h.me)
}

type orgJSON struct {
	ID           string    `json:"id"`
	Name         string    `json:"name"`
	Role         string    `json:"role"`
	Region       string    `json:"region"`
	FacilityType string    `json:"facility_type,omitempty"`
	CreatedAt    time.Time `json:"created_at"`
}

func toJSON(o domain.Org) orgJSON {
	return orgJSON{ID: o.ID, Name: o.Name, Role: o.Role, Region: o.Region, FacilityType: o.FacilityType, CreatedAt: o.CreatedAt}
}

type createOrgRequest struct {
	Name         string `json:"name"`
	Role         string `json:"role"`
	Region       string `json:"region"`
	FacilityType string `json:"facility_type"`
}

type createdOrg struct {
	orgJSON
	Token   string `json:"token"`
	TokenID string `json:"token_id"`
}

func (h handlers) createOrg(c echo.Context) error {
	var req createOrgRequest
	if err := httpx.Bind(c, &req); err != nil {
		return err
	}
	r, err := h.app.RegisterOrg(c.Request().Context(), httpx.RequestKey(c), domain.NewOrgInput(req))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, createdOrg{orgJSON: toJSON(r.Org), Token: r.IssuedToken.Token, TokenID: r.TokenID})
}

func (h handlers) listOrgs(c echo.Context) error {
	p, err := httpx.ParsePage(c)
	if err != nil {
		return err
	}
	orgs, err := h.app.ListOrgs(c.Request().Context(), p.After, p.Limit+1)
	if err != nil {
		return err
	}
	items := make([]orgJSON, 0, len(orgs))
	for _, o := range orgs {
		items = append(items, toJSON(o))
	}
	next := ""
	if len(items) > p.Limit {
		items = items[:p.Limit]
		next = httpx.EncodeCursor(items[len(items)-1].ID)
	}
	return c.JSON(http.StatusOK, httpx.NewList(items, next))
}

// getOrg answers the operator, regulators and the organization itself;
// anyone else gets 404, so ids cannot be probed.
func (h handlers) getOrg(c echo.Context) error {
	cl := auth.From(c)
	id := c.Param("id")
	if cl.Role != auth.Operator && cl.Role != auth.Regulator && cl.OrgID != id {
		return domain.ErrOrgNotFound
	}
	o, err := h.app.GetOrg(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toJSON(o))
}

func (h handlers) issueToken(c echo.Context) error {
	t, err := h.app.IssueToken(c.Request().Context(), c.Param("id"), httpx.RequestKey(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, t)
}

func (h handlers) revokeToken(c echo.Context) error {
	id := c.Param("token_id")
	if err := h.app.RevokeToken(c.Request().Context(), id, httpx.RequestKey(c)); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"token_id": id, "revoked": true})
}

func (h handlers) me(c echo.Context) error {
	cl := auth.From(c)
	if cl.Role == auth.Operator {
		return c.JSON(http.StatusOK, orgJSON{ID: cl.OrgID, Name: "operator", Role: auth.Operator})
	}
	o, err := h.app.GetOrg(c.Request().Context(), cl.OrgID)
	if apperr.Is(err, apperr.NotFound) {
		return apperr.New(apperr.Unauthorized, "the organization of this token no longer exists")
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toJSON(o))
}
