// Package validator checks events against the embedded JSON Schemas. It is
// apart from package schemas so that reading a schema does not pull in the
// JSON Schema implementation.
package validator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"strings"
	"sync"

	"github.com/aidflow/aidflow/contracts/schemas"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// base is the URL the embedded tree is mounted at for reference resolution;
// it is never fetched.
const base = "https://schemas.aidflow.invalid/"

// Validator holds the compiled schemas. It is safe for concurrent use.
type Validator struct {
	envelope *jsonschema.Schema
	mu       sync.Mutex
	compiler *jsonschema.Compiler
	events   map[string]*jsonschema.Schema
}

// New loads every embedded schema, formats asserted (date, date-time).
func New() (*Validator, error) {
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	err := fs.WalkDir(schemas.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".json") {
			return err
		}
		b, err := schemas.FS.ReadFile(path)
		if err != nil {
			return err
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		return c.AddResource(base+path, doc)
	})
	if err != nil {
		return nil, fmt.Errorf("validator: load schemas: %w", err)
	}
	env, err := c.Compile(base + schemas.EnvelopePath)
	if err != nil {
		return nil, fmt.Errorf("validator: compile envelope: %w", err)
	}
	return &Validator{envelope: env, compiler: c, events: map[string]*jsonschema.Schema{}}, nil
}

// Envelope validates an encoded envelope (not its data).
func (v *Validator) Envelope(envelope []byte) error {
	return validate(v.envelope, envelope, "envelope")
}

// Data validates an event's encoded data against its type's schema.
func (v *Validator) Data(eventType string, data []byte) error {
	sch, err := v.eventSchema(eventType)
	if err != nil {
		return err
	}
	return validate(sch, data, eventType)
}

// Event validates an encoded envelope and then its data by its type.
func (v *Validator) Event(envelope []byte) error {
	if err := v.Envelope(envelope); err != nil {
		return err
	}
	var e struct {
		Type string          `json:"type"`
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(envelope, &e); err != nil {
		return fmt.Errorf("validator: envelope: %w", err)
	}
	return v.Data(e.Type, e.Data)
}

func (v *Validator) eventSchema(eventType string) (*jsonschema.Schema, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if sch, ok := v.events[eventType]; ok {
		return sch, nil
	}
	if _, err := schemas.EventSchema(eventType); err != nil {
		return nil, fmt.Errorf("validator: %w", err)
	}
	sch, err := v.compiler.Compile(base + schemas.EventPath(eventType))
	if err != nil {
		return nil, fmt.Errorf("validator: compile %s: %w", eventType, err)
	}
	v.events[eventType] = sch
	return sch, nil
}

func validate(sch *jsonschema.Schema, doc []byte, what string) error {
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return fmt.Errorf("validator: %s: %w", what, err)
	}
	if err := sch.Validate(inst); err != nil {
		return fmt.Errorf("validator: %s: %w", what, err)
	}
	return nil
}
