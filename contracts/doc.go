// Package contracts holds the schemas shared by every Aidflow service: the
// event types (events/), the item catalog (catalog/), the region data
// (regions/), and the JSON Schema, OpenAPI and AsyncAPI documents.
package contracts
