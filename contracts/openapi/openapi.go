// Package openapi embeds the OpenAPI 3.1 document of each service's HTTP
// API (the public surface in API.md, routed by owner), for services to
// serve at /openapi.json and for tests to check against.
//
// The documents are self-contained: each carries the shared components
// (Problem, FieldError, Cursor, Limit, Idempotency-Key, bearerAuth)
// verbatim, so a service can serve its own without the others; a test keeps
// the copies identical. x-aidflow-roles on an operation names the roles
// that may call it ("anyone" for public endpoints).
package openapi

import (
	"embed"
	"slices"

	"github.com/aidflow/aidflow/contracts"
)

//go:embed *.json
var files embed.FS

// Services are the services with an HTTP API, in routing order.
var Services = []string{"registry", "demand", "supply", "donation", "matcher", "audit", "disclosure", "notify"}

// Spec returns the OpenAPI document of a service.
func Spec(service string) ([]byte, bool) {
	if !slices.Contains(Services, service) {
		return nil, false
	}
	b, err := files.ReadFile(service + ".json")
	if err != nil {
		return nil, false
	}
	return b, true
}

// AsyncAPI returns the AsyncAPI 3.0 document of the events
// (contracts/asyncapi.json); its schema references are relative to the
// contracts module root, where package schemas' FS is rooted at schemas/.
func AsyncAPI() []byte {
	return slices.Clone(contracts.AsyncAPI)
}
