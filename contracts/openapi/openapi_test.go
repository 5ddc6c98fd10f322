package openapi_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aidflow/aidflow/contracts/catalog"
	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/contracts/openapi"
	"github.com/aidflow/aidflow/contracts/regions"
	"github.com/aidflow/aidflow/contracts/schemas"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// endpoint is one row of API.md's tables (plus the catalog, which API.md
// gives in prose), with its owner from DESIGN.md's "Who owns what".
type endpoint struct{ method, path, service string }

var apiEndpoints = []endpoint{
	{"POST", "/v1/orgs", "registry"},
	{"POST", "/v1/orgs/{id}/tokens", "registry"},
	{"DELETE", "/v1/tokens/{token_id}", "registry"},
	{"GET", "/v1/me", "registry"},

	{"POST", "/v1/needs", "demand"},
	{"GET", "/v1/needs/{id}", "demand"},
	{"GET", "/v1/needs", "demand"},
	{"POST", "/v1/needs/{id}/cancel", "demand"},
	{"POST", "/v1/needs/{id}/confirm", "demand"},

	{"PUT", "/v1/capacity/{item}", "supply"},
	{"GET", "/v1/capacity", "supply"},

	{"POST", "/v1/allocations/{id}/receipt", "matcher"},
	{"GET", "/v1/allocations", "matcher"},
	{"GET", "/v1/allocations/{id}", "matcher"},
	{"POST", "/v1/allocations/{id}/accept", "matcher"},
	{"POST", "/v1/allocations/{id}/decline", "matcher"},
	{"POST", "/v1/allocations/{id}/dispatch", "matcher"},
	{"POST", "/v1/allocations", "matcher"},
	{"POST", "/v1/allocations/{id}/cancel", "matcher"},

	{"POST", "/v1/donations", "donation"},
	{"GET", "/v1/donations/{id}", "donation"},
	{"GET", "/v1/public/donations/{tracking_code}", "donation"},

	{"GET", "/v1/audit/events", "audit"},
	{"GET", "/v1/audit/verify", "audit"},
	{"GET", "/v1/public/checkpoint", "audit"},

	{"GET", "/", "disclosure"},
	{"GET", "/v1/public/summary", "disclosure"},
	{"GET", "/v1/public/regions", "disclosure"},
	{"GET", "/v1/public/flows", "disclosure"},
	{"GET", "/v1/public/stream", "disclosure"},
	{"GET", "/v1/public/export/{dataset}.{format}", "disclosure"},
	{"GET", "/v1/catalog/items", "disclosure"},
}

// Endpoints beyond API.md's tables that the design gives a service.
var extraEndpoints = []endpoint{
	{"GET", "/v1/orgs", "registry"},
	{"GET", "/v1/orgs/{id}", "registry"},
	{"POST", "/v1/stock-reports", "demand"},
	{"GET", "/v1/stock-reports", "demand"},
	{"GET", "/v1/capacity/daily", "supply"},      // issue 9
	{"GET", "/v1/needs/daily", "demand"},         // issue 9
	{"GET", "/v1/allocations/stats", "matcher"},  // issue 9
	{"GET", "/v1/needs/{id}/timeline", "demand"}, // issue 3
	{"POST", "/v1/needs:import", "demand"},       // issue 3
	{"GET", "/v1/audit/proof/inclusion", "audit"},
	{"GET", "/v1/audit/proof/consistency", "audit"},
	{"GET", "/v1/audit/checkpoints", "audit"},
	{"GET", "/v1/audit/orgs/{id}/events", "audit"},
	{"GET", "/v1/audit/anomalies", "audit"},
	{"POST", "/v1/audit/anomalies/{id}/review", "audit"}, // issue 9
	{"POST", "/v1/audit/corrections", "audit"},
	{"POST", "/v1/webhooks", "notify"}, // issue 8
	{"GET", "/v1/webhooks", "notify"},
	{"GET", "/v1/webhooks/{id}", "notify"},
	{"DELETE", "/v1/webhooks/{id}", "notify"},
	{"POST", "/v1/webhooks/{id}/resume", "notify"},
	{"GET", "/v1/webhooks/{id}/deliveries", "notify"},
	{"GET", "/v1/me/stream", "notify"},
	{"POST", "/v1/allocations/{id}/redirect", "matcher"}, // issue 5
}

var everyService = []string{"/healthz", "/readyz", "/metrics", "/openapi.json"}

type document struct {
	OpenAPI    string                                `json:"openapi"`
	Info       struct{ Title, Version string }       `json:"info"`
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components map[string]map[string]json.RawMessage `json:"components"`
}

type operation struct {
	OperationID string            `json:"operationId"`
	Roles       []string          `json:"x-aidflow-roles"`
	Security    *[]map[string]any `json:"security"`
	Parameters  []struct {
		Ref  string `json:"$ref"`
		Name string `json:"name"`
		In   string `json:"in"`
	} `json:"parameters"`
	Responses map[string]json.RawMessage `json:"responses"`
}

func mustSpec(tb testing.TB, service string) (document, []byte) {
	tb.Helper()
	b, ok := openapi.Spec(service)
	if !ok {
		tb.Fatalf("no spec for %s", service)
	}
	var d document
	if err := json.Unmarshal(b, &d); err != nil {
		tb.Fatalf("%s.json: %v", service, err)
	}
	return d, b
}

func TestDocumentsParse(t *testing.T) {
	for _, s := range openapi.Services {
		d, _ := mustSpec(t, s)
		if d.OpenAPI != "3.1.0" {
			t.Errorf("%s: openapi = %q, want 3.1.0", s, d.OpenAPI)
		}
		if d.Info.Title == "" || d.Info.Version == "" {
			t.Errorf("%s: info.title and info.version are required", s)
		}
		for _, p := range everyService {
			if _, ok := d.Paths[p]["get"]; !ok {
				t.Errorf("%s: no GET %s", s, p)
			}
		}
	}
	if _, ok := openapi.Spec("nope"); ok {
		t.Error("Spec of an unknown service succeeded")
	}
	if _, ok := openapi.Spec("../openapi"); ok {
		t.Error("Spec accepted a path")
	}
}

func TestEveryAPIEndpointHasExactlyOneOwner(t *testing.T) {
	docs := map[string]document{}
	for _, s := range openapi.Services {
		docs[s], _ = mustSpec(t, s)
	}
	want := map[string]string{} // "METHOD path" -> service
	for _, e := range append(slices.Clone(apiEndpoints), extraEndpoints...) {
		want[e.method+" "+e.path] = e.service
	}
	for key, owner := range want {
		method, path, _ := strings.Cut(key, " ")
		var in []string
		for _, s := range openapi.Services {
			if _, ok := docs[s].Paths[path][strings.ToLower(method)]; ok {
				in = append(in, s)
			}
		}
		if len(in) != 1 || in[0] != owner {
			t.Errorf("%s is in %v, want only %s", key, in, owner)
		}
	}
	// Nothing undocumented: a document holds only API.md's endpoints, the
	// design's extras and the operational ones.
	for _, s := range openapi.Services {
		for path, ops := range docs[s].Paths {
			for method := range ops {
				key := strings.ToUpper(method) + " " + path
				if slices.Contains(everyService, path) {
					continue
				}
				if owner, ok := want[key]; !ok || owner != s {
					t.Errorf("%s.json has %s, which API.md does not give it", s, key)
				}
			}
		}
	}
}

// API.md lives beside the repository. When it is there, the table above
// must still match it, so a new endpoint there cannot be missed here.
// apiMD is our copy of the kit's API.md (../shared/API.md beside the
// repository), read by the endpoint table check so it runs on any
// checkout; TestAPIMDIsTheKits keeps the copy equal to the kit's.
const apiMD = "testdata/API.md"

// kitAPIMD is the kit's API.md, or AIDFLOW_API_MD.
func kitAPIMD() string {
	if p := os.Getenv("AIDFLOW_API_MD"); p != "" {
		return p
	}
	return filepath.Join("..", "..", "..", "shared", "API.md")
}

// TestAPIMDIsTheKits: our copy is the kit's file, byte for byte, when the
// kit is beside the repository (CI must have it).
func TestAPIMDIsTheKits(t *testing.T) {
	kit, err := os.ReadFile(kitAPIMD())
	if os.IsNotExist(err) {
		if os.Getenv("CI") != "" {
			t.Fatalf("API.md not found (%v) although CI is set; the kit belongs at ../shared/", err)
		}
		t.Skipf("no kit API.md beside the repository (%v): the endpoint check ran on our copy", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	ours, err := os.ReadFile(apiMD)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ours, kit) {
		t.Fatalf("%s differs from %s: copy the kit's file again", apiMD, kitAPIMD())
	}
}

func TestEndpointTableMatchesAPIMD(t *testing.T) {
	f, err := os.Open(apiMD)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	row := regexp.MustCompile("^\\|\\s*`(GET|POST|PUT|PATCH|DELETE) (/[^`]*)`")
	var got []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if m := row.FindStringSubmatch(sc.Text()); m != nil {
			p := strings.Replace(m[2], "{csv,json}", "{format}", 1)
			got = append(got, m[1]+" "+p)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, e := range apiEndpoints {
		if e.path != "/v1/catalog/items" { // given in prose, not a table
			want = append(want, e.method+" "+e.path)
		}
	}
	sort.Strings(got)
	sort.Strings(want)
	if !slices.Equal(got, want) {
		t.Errorf("API.md tables:\n %v\ntest table:\n %v", got, want)
	}
}

func TestOperations(t *testing.T) {
	ids := map[string]string{}
	param := regexp.MustCompile(`\{([a-z_]+)\}`)
	for _, s := range openapi.Services {
		d, _ := mustSpec(t, s)
		for path, ops := range d.Paths {
			for method, raw := range ops {
				var op operation
				if err := json.Unmarshal(raw, &op); err != nil {
					t.Fatalf("%s %s %s: %v", s, method, path, err)
				}
				where := fmt.Sprintf("%s.json %s %s", s, strings.ToUpper(method), path)
				if op.OperationID == "" {
					t.Errorf("%s: no operationId", where)
				} else if prev, dup := ids[op.OperationID]; dup && !slices.Contains(everyService, path) {
					t.Errorf("%s: operationId %s also in %s", where, op.OperationID, prev)
				}
				ids[op.OperationID] = where
				if len(op.Roles) == 0 {
					t.Errorf("%s: no x-aidflow-roles", where)
				}
				public := op.Security != nil && len(*op.Security) == 0
				if public != slices.Equal(op.Roles, []string{"anyone"}) {
					t.Errorf("%s: security and x-aidflow-roles disagree", where)
				}
				if !public {
					if _, ok := op.Responses["401"]; !ok {
						t.Errorf("%s: no 401", where)
					}
				}
				if _, ok := op.Responses["default"]; !ok {
					t.Errorf("%s: no default problem response", where)
				}
				var declared []string
				for _, p := range op.Parameters {
					if p.In == "path" {
						declared = append(declared, p.Name)
					}
				}
				for _, m := range param.FindAllStringSubmatch(path, -1) {
					if !slices.Contains(declared, m[1]) {
						t.Errorf("%s: path parameter %s not declared", where, m[1])
					}
				}
				if (method == "post" || method == "put" || method == "delete") && !hasRef(op, "#/components/parameters/IdempotencyKey") {
					t.Errorf("%s: a write without the Idempotency-Key parameter", where)
				}
			}
		}
	}
}

func hasRef(op operation, ref string) bool {
	for _, p := range op.Parameters {
		if p.Ref == ref {
			return true
		}
	}
	return false
}

// The shared components are copied into every document; they must not
// drift apart.
func TestSharedComponentsAreIdentical(t *testing.T) {
	first, _ := mustSpec(t, openapi.Services[0])
	shared := map[string][]string{
		"schemas":         {"Problem", "FieldError", "Health"},
		"parameters":      {"Cursor", "Limit", "IdempotencyKey"},
		"responses":       {"BadRequest", "Unauthorized", "Forbidden", "NotFound", "Conflict", "Unprocessable", "Error"},
		"securitySchemes": {"bearerAuth"},
	}
	for _, s := range openapi.Services[1:] {
		d, _ := mustSpec(t, s)
		for kind, names := range shared {
			for _, n := range names {
				if !jsonEqual(t, first.Components[kind][n], d.Components[kind][n]) {
					t.Errorf("%s.json components.%s.%s differs from %s.json's", s, kind, n, openapi.Services[0])
				}
			}
		}
	}
}

func jsonEqual(t *testing.T, a, b json.RawMessage) bool {
	t.Helper()
	if a == nil || b == nil {
		return false
	}
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatal(err)
	}
	return reflect.DeepEqual(x, y)
}

// Every component schema compiles as JSON Schema 2020-12 (OpenAPI 3.1's
// dialect) and every reference in the document resolves.
func compileComponents(t *testing.T, service string) map[string]*jsonschema.Schema {
	t.Helper()
	d, raw := mustSpec(t, service)
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	url := "https://openapi.aidflow.invalid/" + service + ".json"
	if err := c.AddResource(url, doc); err != nil {
		t.Fatal(err)
	}
	out := map[string]*jsonschema.Schema{}
	for name := range d.Components["schemas"] {
		sch, err := c.Compile(url + "#/components/schemas/" + name)
		if err != nil {
			t.Errorf("%s.json %s: %v", service, name, err)
			continue
		}
		out[name] = sch
	}
	return out
}

func TestSchemasCompileAndRefsResolve(t *testing.T) {
	for _, s := range openapi.Services {
		compileComponents(t, s)
		_, raw := mustSpec(t, s)
		var doc any
		if err := json.Unmarshal(raw, &doc); err != nil {
			t.Fatal(err)
		}
		walkRefs(doc, func(ref string) {
			if !strings.HasPrefix(ref, "#/") {
				t.Errorf("%s.json: external $ref %s; documents must be self-contained", s, ref)
				return
			}
			if resolve(doc, ref) == nil {
				t.Errorf("%s.json: $ref %s does not resolve", s, ref)
			}
		})
	}
}

func walkRefs(v any, f func(string)) {
	switch v := v.(type) {
	case map[string]any:
		if r, ok := v["$ref"].(string); ok {
			f(r)
		}
		for _, x := range v {
			walkRefs(x, f)
		}
	case []any:
		for _, x := range v {
			walkRefs(x, f)
		}
	}
}

func resolve(doc any, ref string) any {
	cur := doc
	for _, tok := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		if cur, ok = m[tok]; !ok {
			return nil
		}
	}
	return cur
}

// The catalog the disclosure service serves must fit its documented shape.
func TestCatalogFitsCatalogItemSchema(t *testing.T) {
	sch := compileComponents(t, "disclosure")["CatalogItem"]
	for _, it := range catalog.Items() {
		if err := sch.Validate(toAny(t, it)); err != nil {
			t.Errorf("%s: %v", it.Code, err)
		}
	}
	// And the regions' codes fit the documented region code format.
	rs := compileComponents(t, "disclosure")["RegionShortage"]
	for _, p := range regions.Provinces() {
		v := map[string]any{"province": p.Code, "name": p.Name, "name_zh": p.NameZh, "open_shortage": 0, "level": "green"}
		if err := rs.Validate(v); err != nil {
			t.Errorf("%s: %v", p.Code, err)
		}
	}
}

func toAny(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	out, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestAsyncAPIListsEveryEventType(t *testing.T) {
	var doc struct {
		AsyncAPI string `json:"asyncapi"`
		Channels map[string]struct {
			Address string `json:"address"`
			Stream  string `json:"x-aidflow-stream"`
			Schema  string `json:"x-aidflow-schema"`
		} `json:"channels"`
		Components struct {
			Messages map[string]struct {
				Name    string `json:"name"`
				Payload struct {
					Schema struct {
						AllOf []struct {
							Ref        string `json:"$ref"`
							Properties struct {
								Data struct {
									Ref string `json:"$ref"`
								} `json:"data"`
							} `json:"properties"`
						} `json:"allOf"`
					} `json:"schema"`
				} `json:"payload"`
			} `json:"messages"`
		} `json:"components"`
	}
	if err := json.Unmarshal(openapi.AsyncAPI(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.AsyncAPI != "3.0.0" {
		t.Errorf("asyncapi = %q, want 3.0.0", doc.AsyncAPI)
	}
	listed := map[string]bool{}
	for key, ch := range doc.Channels {
		typ, ok := strings.CutSuffix(ch.Address, ".{item}")
		if !ok {
			t.Errorf("channel %s: address %q is not <type>.{item}", key, ch.Address)
			continue
		}
		listed[typ] = true
		if _, ok := events.Registry[typ]; !ok {
			t.Errorf("channel %s: %s is not in events.Registry", key, typ)
		}
		svc := events.Service(typ)
		if ch.Stream != events.StreamName(svc) {
			t.Errorf("channel %s: stream %q, want %q", key, ch.Stream, events.StreamName(svc))
		}
		if ch.Schema != "schemas/"+schemas.EventPath(typ) {
			t.Errorf("channel %s: schema %q", key, ch.Schema)
		}
		msg, ok := doc.Components.Messages[key]
		if !ok || msg.Name != typ {
			t.Errorf("channel %s: no message named %s", key, typ)
			continue
		}
		var refs []string
		for _, a := range msg.Payload.Schema.AllOf {
			refs = append(refs, a.Ref, a.Properties.Data.Ref)
		}
		if !slices.Contains(refs, "schemas/"+schemas.EnvelopePath) || !slices.Contains(refs, "schemas/"+schemas.EventPath(typ)) {
			t.Errorf("message %s: payload refs %v miss the envelope or the data schema", key, refs)
		}
		for _, r := range refs {
			if r == "" {
				continue
			}
			if _, err := schemas.FS.ReadFile(strings.TrimPrefix(r, "schemas/")); err != nil {
				t.Errorf("message %s: %s: %v", key, r, err)
			}
		}
	}
	for typ := range events.Registry {
		if !listed[typ] {
			t.Errorf("%s is in events.Registry but not in asyncapi.json", typ)
		}
	}
}
