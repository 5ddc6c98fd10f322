package manifests

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/aidflow/aidflow/deploy/stack"
)

// root is the repository root, from deploy/manifests.
const root = "../.."

var services = []string{"registry", "demand", "supply", "donation", "matcher", "audit", "disclosure", "notify"}

// console is the one service without the platform: no NATS, no database
// (it calls the API), so the platform's variables are neither read nor set.
const console = "console"

// deployed is every service with a container: the platform ones and the console.
var deployed = append(slices.Clone(services), console)

// envRead matches the config loader's calls in the services' LoadConfig.
var envRead = regexp.MustCompile(`\bl\.(Required|String|Int|Duration|Bool|List)\("([A-Z0-9_]+)"`)

// envVars returns the variables the files read, and which are required.
func envVars(t *testing.T, files ...string) (all, required map[string]bool) {
	t.Helper()
	all, required = map[string]bool{}, map[string]bool{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range envRead.FindAllStringSubmatch(string(b), -1) {
			all[m[2]] = true
			if m[1] == "Required" {
				required[m[2]] = true
			}
		}
	}
	return all, required
}

// serviceEnv is, per service, the variables its process reads (shared
// platform ones included) and the required ones.
func serviceEnv(t *testing.T) (all, required map[string]map[string]bool) {
	t.Helper()
	all, required = map[string]map[string]bool{}, map[string]map[string]bool{}
	for _, s := range deployed {
		files, err := filepath.Glob(filepath.Join(root, "services", s, "service", "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		files = slices.DeleteFunc(files, func(f string) bool { return strings.HasSuffix(f, "_test.go") })
		if s != console {
			files = append(files, filepath.Join(root, "shared", "platform", "platform.go"))
		}
		all[s], required[s] = envVars(t, files...)
	}
	if !required[console]["AIDFLOW_CONSOLE_API_URL"] || all[console]["NATS_URL"] {
		t.Fatalf("scan of the console's LoadConfig: %v", all[console])
	}
	// The scan must find the platform's own requirements, or it finds nothing.
	for _, v := range []string{"NATS_URL", "MONGO_URI", "AIDFLOW_TOKEN_PUBLIC_KEY"} {
		if !required["demand"][v] {
			t.Fatalf("scan of LoadConfig did not find required %s", v)
		}
	}
	if !required["registry"]["AIDFLOW_TOKEN_SIGNING_KEY"] {
		t.Fatal("scan of LoadConfig did not find registry's AIDFLOW_TOKEN_SIGNING_KEY")
	}
	return all, required
}

func readYAMLDocs(t *testing.T, path string) []map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	var docs []map[string]any
	for {
		var d map[string]any
		err := dec.Decode(&d)
		if errors.Is(err, io.EOF) {
			return docs
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if d != nil {
			docs = append(docs, d)
		}
	}
}

// get walks maps and lists (int keys) and fails the test if the path is absent.
func get(t *testing.T, v any, path ...any) any {
	t.Helper()
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("%v: not a map at %q", path, k)
			}
			if v, ok = m[k]; !ok {
				t.Fatalf("%v: no %q", path, k)
			}
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				t.Fatalf("%v: no item %d", path, k)
			}
			v = l[k]
		}
	}
	return v
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func TestComposeSetsEveryVariable(t *testing.T) {
	_, required := serviceEnv(t)
	doc := readYAMLDocs(t, filepath.Join(root, "deploy", "compose", "compose.yaml"))[0]
	secrets := testSecrets(t)
	for _, name := range composeServices(t, doc) {
		s := name
		if strings.HasPrefix(name, "matcher-") {
			s = "matcher" // one compose service per partition
		}
		env, ok := get(t, doc, "services", name, "environment").(map[string]any)
		if !ok {
			t.Fatalf("%s: environment is not a map", name)
		}
		for v := range required[s] {
			if str(env[v]) == "" {
				t.Errorf("compose %s: required %s is not set", s, v)
			}
		}
		checkLoads(t, "compose "+name, s, composeEnv(t, doc, name, secrets), composeUnset)
		if s == console {
			if u := str(env["AIDFLOW_CONSOLE_API_URL"]); u != "http://ingress:8080" {
				t.Errorf("compose console: AIDFLOW_CONSOLE_API_URL %q is not the ingress", u)
			}
			continue
		}
		if got := str(env["NATS_STREAM_REPLICAS"]); got != "3" {
			t.Errorf("compose %s: NATS_STREAM_REPLICAS = %q, want 3", s, got)
		}
		if u := str(env["NATS_URL"]); strings.Count(u, "nats://") != 3 {
			t.Errorf("compose %s: NATS_URL %q does not list three servers", s, u)
		}
		if u := str(env["MONGO_URI"]); !strings.Contains(u, "replicaSet=") {
			t.Errorf("compose %s: MONGO_URI %q names no replica set", s, u)
		}
	}
	for _, n := range []string{"nats-1", "nats-2", "nats-3"} {
		cmd, _ := get(t, doc, "services", n, "command").([]any)
		if !slices.Contains(cmd, any("--jetstream")) {
			t.Errorf("compose %s: command %v lacks --jetstream", n, cmd)
		}
	}
	conf, err := os.ReadFile(filepath.Join(root, "deploy", "compose", "nats.conf"))
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^\s*sync_interval:\s*always\s*$`).Match(conf) {
		t.Error("nats.conf: JetStream does not fsync always")
	}
	for _, n := range []string{"mongo-1", "mongo-2", "mongo-3"} {
		cmd, _ := get(t, doc, "services", n, "command").([]any)
		if !slices.Contains(cmd, any("--replSet")) {
			t.Errorf("compose %s: command %v lacks --replSet", n, cmd)
		}
	}
}

// composeServices are the compose services that run an Aidflow service:
// its name, or for the matcher "matcher-<partition>", one per partition.
func composeServices(t *testing.T, doc map[string]any) []string {
	t.Helper()
	var names []string
	for name := range get(t, doc, "services").(map[string]any) {
		s, _, _ := strings.Cut(name, "-")
		if slices.Contains(deployed, name) || (s == "matcher" && name != "matcher") {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, s := range deployed {
		if s != "matcher" && !slices.Contains(names, s) {
			t.Errorf("compose runs no %s", s)
		}
	}
	return names
}

// k8sDocs is every document of the kustomization's resources, base and
// production overlay, keyed by file.
func k8sDocs(t *testing.T) map[string][]map[string]any {
	t.Helper()
	out := map[string][]map[string]any{}
	for _, dir := range []string{"base", filepath.Join("overlays", "production")} {
		d := filepath.Join(root, "deploy", "k8s", dir)
		k := readYAMLDocs(t, filepath.Join(d, "kustomization.yaml"))[0]
		var files []string
		for _, r := range get(t, k, "resources").([]any) {
			if !strings.HasPrefix(str(r), "..") {
				files = append(files, str(r))
			}
		}
		if ps, ok := k["patches"].([]any); ok {
			for _, p := range ps {
				files = append(files, str(get(t, p, "path")))
			}
		}
		// Every YAML file but the Secret template is in the kustomization.
		yamls, _ := filepath.Glob(filepath.Join(d, "*.yaml"))
		for _, y := range yamls {
			b := filepath.Base(y)
			if b != "kustomization.yaml" && b != "secret-template.yaml" && !slices.Contains(files, b) {
				t.Errorf("%s is not listed in %s/kustomization.yaml", b, dir)
			}
		}
		for _, f := range files {
			out[filepath.Join(dir, f)] = readYAMLDocs(t, filepath.Join(d, f))
		}
	}
	return out
}

func TestKubernetesDeployments(t *testing.T) {
	_, required := serviceEnv(t)
	docs := k8sDocs(t)
	maps, secrets := configMaps(t, docs), testSecrets(t)
	deployments := map[string][]map[string]any{} // by the service they run
	for _, d := range baseDocs(docs, "Deployment") {
		s := str(get(t, d, "spec", "template", "metadata", "labels", "app.kubernetes.io/name"))
		deployments[s] = append(deployments[s], d)
	}
	pdbs := map[string]bool{} // by the selector's labels
	for _, d := range baseDocs(docs, "PodDisruptionBudget") {
		pdbs[fmt.Sprint(get(t, d, "spec", "selector", "matchLabels"))] = true
	}
	for _, s := range deployed {
		if len(deployments[s]) == 0 {
			t.Errorf("no Deployment %s", s)
		}
		for _, d := range deployments[s] {
			checkDeployment(t, s, d, required[s], pdbs)
			checkLoads(t, "k8s Deployment "+str(get(t, d, "metadata", "name")), s, k8sEnv(t, d, maps, secrets), nil)
		}
	}
	if len(deployments["matcher"]) < 2 {
		t.Errorf("%d matcher Deployments, want one per partition, at least 2", len(deployments["matcher"]))
	}
	// The production overlay's clusters: three NATS servers, a replica set, R3.
	for _, d := range docs[filepath.Join("overlays", "production", "platform.yaml")] {
		if strings.Count(str(get(t, d, "data", "NATS_URL")), "nats://") != 3 ||
			!strings.Contains(str(get(t, d, "data", "MONGO_URI")), "replicaSet=") ||
			str(get(t, d, "data", "NATS_STREAM_REPLICAS")) != "3" {
			t.Errorf("production platform config is not clustered: %v", d["data"])
		}
	}
}

// baseDocs are the base's documents of a kind.
func baseDocs(docs map[string][]map[string]any, kind string) []map[string]any {
	var out []map[string]any
	for f, ds := range docs {
		for _, d := range ds {
			if d["kind"] == kind && strings.HasPrefix(f, "base") {
				out = append(out, d)
			}
		}
	}
	return out
}

// checkDeployment checks one Deployment of service s: probes, requests,
// non-root, a PodDisruptionBudget selecting exactly its pods, and the
// required variables set (checkLoads checks the rest of its environment).
func checkDeployment(t *testing.T, s string, d map[string]any, required map[string]bool, pdbs map[string]bool) {
	t.Helper()
	if !pdbs[fmt.Sprint(get(t, d, "spec", "selector", "matchLabels"))] {
		t.Errorf("no PodDisruptionBudget for %s", str(get(t, d, "metadata", "name")))
	}
	// The platform's network policies (NATS, MongoDB) select tier
	// "service"; the console reaches only the ingress.
	wantTier := "service"
	if s == console {
		wantTier = "console"
	}
	if tier := str(get(t, d, "spec", "template", "metadata", "labels", "aidflow.org/tier")); tier != wantTier {
		t.Errorf("%s: pod tier %q, want %q", s, tier, wantTier)
	}
	pod := get(t, d, "spec", "template", "spec")
	if get(t, pod, "securityContext", "runAsNonRoot") != true {
		t.Errorf("%s: pod does not run as non-root", s)
	}
	c := get(t, pod, "containers", 0)
	if p := str(get(t, c, "readinessProbe", "httpGet", "path")); p != "/readyz" {
		t.Errorf("%s: readiness probe on %q, want /readyz", s, p)
	}
	if p := str(get(t, c, "livenessProbe", "httpGet", "path")); p != "/healthz" {
		t.Errorf("%s: liveness probe on %q, want /healthz", s, p)
	}
	for _, r := range []string{"cpu", "memory"} {
		if str(get(t, c, "resources", "requests", r)) == "" {
			t.Errorf("%s: no %s request", s, r)
		}
	}
	set := map[string]bool{}
	for _, e := range get(t, c, "env").([]any) {
		set[str(get(t, e, "name"))] = true
	}
	for v := range required {
		if !set[v] {
			t.Errorf("k8s %s: required %s is not set", s, v)
		}
	}
}

// samplePaths are the paths the ingresses are compared on: every route's
// prefix, beneath it, a custom method on it, a longer name that must not
// match it, and every path of the OpenAPI documents.
func samplePaths(t *testing.T) []string {
	t.Helper()
	var ps []string
	for _, r := range stack.Routes {
		p := strings.TrimSuffix(r.Prefix, "/")
		ps = append(ps, r.Prefix, p+"/x", p+":x", p+"x", p+"x/y")
	}
	docs, err := filepath.Glob(filepath.Join(root, "contracts", "openapi", "*.json"))
	if err != nil || len(docs) == 0 {
		t.Fatalf("no OpenAPI documents: %v", err)
	}
	param := regexp.MustCompile(`\{[^}]*\}`)
	for _, f := range docs {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Paths map[string]any `json:"paths"`
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for p := range doc.Paths {
			ps = append(ps, param.ReplaceAllString(p, "id1"))
		}
	}
	sort.Strings(ps)
	return slices.Compact(ps)
}

func wantRoutes() map[string]string {
	m := map[string]string{}
	for _, r := range stack.Routes {
		m[r.Prefix] = r.Service
	}
	return m
}

func TestComposeIngressRoutesAsTheGateway(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(root, "deploy", "compose", "nginx.conf"))
	if err != nil {
		t.Fatal(err)
	}
	// Regex locations, in file order (nginx tries them in order), and the
	// catch-all prefix location.
	loc := regexp.MustCompile(`(?m)^\s*location (~ |)(\S+) \{ set \$up (\w+);`)
	type rx struct {
		re      *regexp.Regexp
		service string
	}
	var rxs []rx
	got := map[string]string{}
	fallback := ""
	for _, m := range loc.FindAllStringSubmatch(string(b), -1) {
		if m[1] == "" {
			if m[2] != "/" {
				t.Fatalf("unexpected prefix location %q", m[2])
			}
			fallback, got["/"] = m[3], m[3]
			continue
		}
		re, err := regexp.Compile(m[2])
		if err != nil {
			t.Fatalf("location %s: %v", m[2], err)
		}
		rxs = append(rxs, rx{re, m[3]})
		got[strings.TrimSuffix(strings.TrimPrefix(m[2], "^"), "(/|:|$)")] = m[3]
	}
	if want := wantRoutes(); !mapsEqual(got, want) {
		t.Errorf("nginx routes %v, want deploy/stack.Routes %v", got, want)
	}
	gw := stack.NewGateway(nil, nil)
	for _, p := range samplePaths(t) {
		svc := fallback
		for _, r := range rxs {
			if r.re.MatchString(p) {
				svc = r.service
				break
			}
		}
		if want := gw.Service(p); svc != want {
			t.Errorf("nginx sends %s to %q, the gateway to %q", p, svc, want)
		}
	}
}

func TestKubernetesIngressRoutesAsTheGateway(t *testing.T) {
	type path struct{ path, typ, service string }
	var paths []path
	for _, d := range k8sDocs(t)[filepath.Join("base", "ingress.yaml")] {
		for _, p := range get(t, d, "spec", "rules", 0, "http", "paths").([]any) {
			paths = append(paths, path{str(get(t, p, "path")), str(get(t, p, "pathType")), str(get(t, p, "backend", "service", "name"))})
		}
	}
	got := map[string]string{}
	for _, p := range paths {
		if p.typ == "Prefix" {
			got[p.path] = p.service
		}
	}
	if want := wantRoutes(); !mapsEqual(got, want) {
		t.Errorf("Ingress Prefix paths %v, want deploy/stack.Routes %v", got, want)
	}
	// Ingress semantics: an Exact match wins; else the longest Prefix whose
	// path elements (split at "/") are a prefix of the request's.
	route := func(req string) string {
		best, svc := -1, ""
		for _, p := range paths {
			switch {
			case p.typ == "Exact" && req == p.path:
				return p.service
			case p.typ == "Prefix" && (p.path == "/" || req == p.path || strings.HasPrefix(req, p.path+"/")):
				if len(p.path) > best {
					best, svc = len(p.path), p.service
				}
			}
		}
		return svc
	}
	gw := stack.NewGateway(nil, nil)
	for _, p := range samplePaths(t) {
		want := gw.Service(p)
		if strings.HasSuffix(p, ":x") {
			continue // invented custom methods: the Ingress lists real ones exactly
		}
		if got := route(p); got != want {
			t.Errorf("Ingress sends %s to %q, the gateway to %q", p, got, want)
		}
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestKubernetesReferencesResolve checks that every key a Deployment takes
// from the ConfigMap or the key Secret exists there, so no pod waits on a
// missing key.
func TestKubernetesReferencesResolve(t *testing.T) {
	docs := k8sDocs(t)
	base := filepath.Join(root, "deploy", "k8s", "base")
	keys := map[string]map[string]bool{}
	add := func(kind, name string, data any) {
		m, _ := data.(map[string]any)
		if keys[kind+"/"+name] == nil {
			keys[kind+"/"+name] = map[string]bool{}
		}
		for k := range m {
			keys[kind+"/"+name][k] = true
		}
	}
	for _, d := range readYAMLDocs(t, filepath.Join(base, "secret-template.yaml")) {
		add("Secret", str(get(t, d, "metadata", "name")), get(t, d, "stringData"))
	}
	for _, d := range baseDocs(docs, "ConfigMap") {
		add("ConfigMap", str(get(t, d, "metadata", "name")), get(t, d, "data"))
	}
	refs := 0
	for f, ds := range docs {
		for _, d := range ds {
			if d["kind"] != "Deployment" || !strings.HasPrefix(f, "base") {
				continue
			}
			for _, e := range get(t, d, "spec", "template", "spec", "containers", 0, "env").([]any) {
				from, _ := e.(map[string]any)["valueFrom"].(map[string]any)
				for kind, ref := range map[string]any{"ConfigMap": from["configMapKeyRef"], "Secret": from["secretKeyRef"]} {
					if ref == nil {
						continue
					}
					refs++
					name, key := str(get(t, ref, "name")), str(get(t, ref, "key"))
					if !keys[kind+"/"+name][key] {
						t.Errorf("%s: %s %s has no key %q", f, kind, name, key)
					}
				}
			}
		}
	}
	if refs == 0 {
		t.Fatal("no Deployment takes anything from a ConfigMap or Secret")
	}
}
