package ports

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/aidflow/aidflow/shared/httpx"
)

// Defaults of the public lookup's limit per client address.
const (
	DefaultLookupsPerMinute = 30
	DefaultLookupBurst      = 10
)

// limit refuses a lookup past the client's limit: 429 problem+json with
// Retry-After (httpx.TooManyRequests). The client is the request's address
// as the shared server reads it (httpx.ClientAddress: the TCP peer unless
// it is a trusted proxy). Every lookup takes a token before it runs, so
// parallel requests cannot overdraw the bucket; one that finds a donation
// gives it back afterwards. Only misses count, then: guessing codes
// (nearly all misses) is limited, while a donor or the public page
// following a real code is never held back. This is on top of the
// platform's general per-address limit, which is far more generous.
func limit(lim httpx.Limiter) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			key := httpx.AddressKey(c)
			if ok, wait := lim.Allow(key); !ok {
				return httpx.TooManyRequests(c, wait, "too many lookups of unknown tracking codes from this address")
			}
			err := next(c)
			if err == nil && c.Response().Status == http.StatusOK {
				lim.Refund(key)
			}
			return err
		}
	}
}
