// Package conform checks HTTP requests and responses against a service's
// OpenAPI document, for component and end-to-end tests: a handler that
// answers a shape its document does not promise fails the test that drove it.
package conform

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/aidflow/aidflow/contracts/openapi"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Checker validates against one service's document. Safe for concurrent use.
type Checker struct {
	service  string
	url      string
	doc      map[string]any
	routes   []route
	mu       sync.Mutex
	compiler *jsonschema.Compiler
	compiled map[string]*jsonschema.Schema
}

type route struct {
	template string
	re       *regexp.Regexp
	literal  int // literal characters, so /v1/needs/{id}/cancel beats a shorter match
}

// New loads the document of service (one of openapi.Services).
func New(service string) (*Checker, error) {
	raw, ok := openapi.Spec(service)
	if !ok {
		return nil, fmt.Errorf("conform: no OpenAPI document for %q", service)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("conform: %s: %w", service, err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("conform: %s: %w", service, err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	url := "https://openapi.aidflow.invalid/" + service + ".json"
	if err := c.AddResource(url, inst); err != nil {
		return nil, fmt.Errorf("conform: %s: %w", service, err)
	}
	ch := &Checker{service: service, url: url, doc: doc, compiler: c, compiled: map[string]*jsonschema.Schema{}}
	paths, _ := doc["paths"].(map[string]any)
	param := regexp.MustCompile(`\{[^}/]+\}`)
	for tmpl := range paths {
		var re strings.Builder
		re.WriteString("^")
		last := 0
		for _, loc := range param.FindAllStringIndex(tmpl, -1) {
			re.WriteString(regexp.QuoteMeta(tmpl[last:loc[0]]))
			re.WriteString(`[^/]+?`)
			last = loc[1]
		}
		re.WriteString(regexp.QuoteMeta(tmpl[last:]))
		re.WriteString("$")
		lit := len(param.ReplaceAllString(tmpl, ""))
		ch.routes = append(ch.routes, route{template: tmpl, re: regexp.MustCompile(re.String()), literal: lit})
	}
	return ch, nil
}

// Template returns the documented path template a concrete path matches
// (e.g. /v1/needs/{id} for /v1/needs/n1), preferring the most literal one.
func (c *Checker) Template(path string) (string, bool) {
	if i := strings.IndexAny(path, "?#"); i >= 0 {
		path = path[:i]
	}
	best, bestLit := "", -1
	for _, r := range c.routes {
		if r.re.MatchString(path) && r.literal > bestLit {
			best, bestLit = r.template, r.literal
		}
	}
	return best, bestLit >= 0
}

// Response checks a response: the operation (method and concrete path) is
// documented, the status is documented (or a default is), and a JSON or
// problem+json body validates against its schema.
func (c *Checker) Response(method, path string, status int, contentType string, body []byte) error {
	opPtr, err := c.operation(method, path)
	if err != nil {
		return err
	}
	respPtr, ok := c.lookup(opPtr + "/responses/" + strconv.Itoa(status))
	if !ok {
		if respPtr, ok = c.lookup(opPtr + "/responses/default"); !ok {
			return fmt.Errorf("conform: %s %s: status %d is not documented", method, path, status)
		}
		if status < 400 {
			return fmt.Errorf("conform: %s %s: status %d is not documented", method, path, status)
		}
	}
	return c.validateContent(respPtr, contentType, body, fmt.Sprintf("%s %s %d", method, path, status))
}

// Request checks a request body against the operation's request schema.
func (c *Checker) Request(method, path, contentType string, body []byte) error {
	opPtr, err := c.operation(method, path)
	if err != nil {
		return err
	}
	rbPtr, ok := c.lookup(opPtr + "/requestBody")
	if !ok {
		if len(bytes.TrimSpace(body)) == 0 {
			return nil
		}
		return fmt.Errorf("conform: %s %s takes no body", method, path)
	}
	return c.validateContent(rbPtr, contentType, body, method+" "+path+" request")
}

func (c *Checker) operation(method, path string) (string, error) {
	tmpl, ok := c.Template(path)
	if !ok {
		return "", fmt.Errorf("conform: %s documents no path matching %s", c.service, path)
	}
	ptr := "/paths/" + escape(tmpl) + "/" + strings.ToLower(method)
	if _, ok := c.lookup(ptr); !ok {
		return "", fmt.Errorf("conform: %s documents no %s %s", c.service, method, tmpl)
	}
	return ptr, nil
}

func (c *Checker) validateContent(ptr, contentType string, body []byte, what string) error {
	content, ok := c.get(ptr + "/content").(map[string]any)
	if !ok {
		if len(bytes.TrimSpace(body)) > 0 {
			return fmt.Errorf("conform: %s: a body where none is documented", what)
		}
		return nil
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return fmt.Errorf("conform: %s: content type %q: %w", what, contentType, err)
	}
	if _, ok := content[mt]; !ok {
		return fmt.Errorf("conform: %s: content type %s is not documented", what, mt)
	}
	if mt != "application/json" && !strings.HasSuffix(mt, "+json") {
		return nil // text, HTML, CSV, event streams: the type is the promise
	}
	sch, err := c.schema(ptr + "/content/" + escape(mt) + "/schema")
	if err != nil {
		return err
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("conform: %s: body is not JSON: %w", what, err)
	}
	if err := sch.Validate(inst); err != nil {
		return fmt.Errorf("conform: %s: %w", what, err)
	}
	return nil
}

func (c *Checker) schema(ptr string) (*jsonschema.Schema, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.compiled[ptr]; ok {
		return s, nil
	}
	s, err := c.compiler.Compile(c.url + "#" + ptr)
	if err != nil {
		return nil, fmt.Errorf("conform: compile %s: %w", ptr, err)
	}
	c.compiled[ptr] = s
	return s, nil
}

// lookup resolves a JSON pointer, following an OpenAPI $ref (to a response,
// parameter or request body, which JSON Schema would not follow) and
// returns the pointer of the object finally reached.
func (c *Checker) lookup(ptr string) (string, bool) {
	for range 8 {
		v, ok := c.get(ptr).(map[string]any)
		if !ok {
			return "", false
		}
		ref, isRef := v["$ref"].(string)
		if !isRef {
			return ptr, true
		}
		ptr = strings.TrimPrefix(ref, "#")
	}
	return "", false
}

func (c *Checker) get(ptr string) any {
	var cur any = c.doc
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[tok]
	}
	return cur
}

func escape(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}
