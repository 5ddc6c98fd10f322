// Package schemas embeds the JSON Schemas (draft 2020-12) of the event
// envelope and of every event's data, so services, tests and the published
// AsyncAPI document read the same files.
//
// Layout (paths inside FS):
//
//	defs.json                 value types shared by every schema
//	envelope.json             the event envelope
//	events/<type>.json        one schema per event type, e.g.
//	                          events/aidflow.demand.need_posted.v1.json
//	events/shared/*.json      data shapes several types share
//
// References between files are relative, so the tree validates as served
// from any base URL or from disk. Package validator compiles them.
package schemas

import (
	"embed"
	"fmt"
	"io/fs"
	"strings"
)

// FS holds every schema file.
//
//go:embed defs.json envelope.json events
var FS embed.FS

// EnvelopePath is the path of the envelope schema inside FS.
const EnvelopePath = "envelope.json"

// EventPath is the path of an event type's data schema inside FS.
func EventPath(eventType string) string { return "events/" + eventType + ".json" }

// EventSchema returns the data schema of an event type.
func EventSchema(eventType string) ([]byte, error) {
	if eventType == "" || strings.ContainsAny(eventType, "/\\") {
		return nil, fmt.Errorf("schemas: bad event type %q", eventType)
	}
	b, err := FS.ReadFile(EventPath(eventType))
	if err != nil {
		return nil, fmt.Errorf("schemas: no schema for event type %q: %w", eventType, err)
	}
	return b, nil
}

// EnvelopeSchema returns the envelope schema.
func EnvelopeSchema() []byte {
	b, err := FS.ReadFile(EnvelopePath)
	if err != nil {
		panic(err) // embedded at build time
	}
	return b
}

// EventTypes returns the event types that have a schema, sorted.
func EventTypes() []string {
	entries, err := fs.ReadDir(FS, "events")
	if err != nil {
		panic(err) // embedded at build time
	}
	var types []string
	for _, e := range entries {
		if name, ok := strings.CutSuffix(e.Name(), ".json"); ok && !e.IsDir() {
			types = append(types, name)
		}
	}
	return types
}
