package auth

import (
	"context"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/aidflow/aidflow/shared/apperr"
)

type ctxKey struct{}

const claimsKey = "aidflow.claims"

// Middleware requires a valid bearer token and puts its claims in the
// request (From) and its context (FromContext).
func Middleware(v *Verifier) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			h := c.Request().Header.Get(echo.HeaderAuthorization)
			scheme, token, ok := strings.Cut(h, " ")
			if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
				return apperr.New(apperr.Unauthorized, "send your token as 'Authorization: Bearer <token>'")
			}
			claims, err := v.Verify(strings.TrimSpace(token))
			if err != nil {
				return err
			}
			c.Set(claimsKey, claims)
			c.SetRequest(c.Request().WithContext(context.WithValue(c.Request().Context(), ctxKey{}, claims)))
			return next(c)
		}
	}
}

// Require allows only the given roles; others get 403.
func Require(roles ...string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if !slices.Contains(roles, From(c).Role) {
				return apperr.New(apperr.Forbidden, "this needs the role %s", strings.Join(roles, " or "))
			}
			return next(c)
		}
	}
}

// From returns the verified claims of the request (zero when none).
func From(c echo.Context) Claims {
	cl, _ := c.Get(claimsKey).(Claims)
	return cl
}

// FromContext returns the verified claims carried by ctx.
func FromContext(ctx context.Context) (Claims, bool) {
	cl, ok := ctx.Value(ctxKey{}).(Claims)
	return cl, ok
}

// OrgScope is the idempotency scope of a request: its organization.
func OrgScope(c echo.Context) string { return From(c).OrgID }
