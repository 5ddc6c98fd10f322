package manifests

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"testing"

	audit "github.com/aidflow/aidflow/services/audit/service"
	consolesvc "github.com/aidflow/aidflow/services/console/service"
	demand "github.com/aidflow/aidflow/services/demand/service"
	disclosure "github.com/aidflow/aidflow/services/disclosure/service"
	donation "github.com/aidflow/aidflow/services/donation/service"
	matcher "github.com/aidflow/aidflow/services/matcher/service"
	notify "github.com/aidflow/aidflow/services/notify/service"
	registry "github.com/aidflow/aidflow/services/registry/service"
	supply "github.com/aidflow/aidflow/services/supply/service"
	"github.com/aidflow/aidflow/shared/auth"
	"github.com/aidflow/aidflow/shared/config"
)

// loadConfig is each deployed service's own LoadConfig: what its process
// reads at start, however the code names the variables.
var loadConfig = map[string]func(*config.Loader){
	"registry":   func(l *config.Loader) { registry.LoadConfig(l) },
	"demand":     func(l *config.Loader) { demand.LoadConfig(l) },
	"supply":     func(l *config.Loader) { supply.LoadConfig(l) },
	"donation":   func(l *config.Loader) { donation.LoadConfig(l) },
	"matcher":    func(l *config.Loader) { matcher.LoadConfig(l) },
	"audit":      func(l *config.Loader) { audit.LoadConfig(l) },
	"disclosure": func(l *config.Loader) { disclosure.LoadConfig(l) },
	"notify":     func(l *config.Loader) { notify.LoadConfig(l) },
	console:      func(l *config.Loader) { consolesvc.LoadConfig(l) },
}

// composeUnset are the variables compose leaves to their defaults on
// purpose: replicas of a compose service share one environment, so the
// matcher's instance name falls back to the host name and a random suffix.
var composeUnset = map[string]bool{"AIDFLOW_MATCHER_INSTANCE": true}

// checkLoads runs service s's LoadConfig on env, the environment a manifest
// gives one of its processes (references resolved): the service must
// accept it, every variable it reads must be set there (but those in
// unset), and nothing it does not read.
func checkLoads(t *testing.T, where, s string, env map[string]string, unset map[string]bool) {
	t.Helper()
	load, ok := loadConfig[s]
	if !ok {
		t.Fatalf("%s: no LoadConfig known for %s", where, s)
	}
	l := config.FromMap(env)
	load(l)
	if err := l.Err(); err != nil {
		t.Errorf("%s: %s refuses its environment: %v", where, s, err)
	}
	read := map[string]bool{}
	for _, v := range l.Read() {
		read[v] = true
		if _, ok := env[v]; !ok && !unset[v] {
			t.Errorf("%s: %s reads %s, which is not set", where, s, v)
		}
	}
	if len(read) == 0 {
		t.Fatalf("%s: %s's LoadConfig read nothing", where, s)
	}
	for v := range env {
		if !read[v] {
			t.Errorf("%s: sets %s, which %s does not read", where, v, s)
		}
	}
}

// testSecrets stand in for the keys an operator provides (the Secret
// aidflow-keys, compose's .env), by variable name, each in its valid form.
func testSecrets(t *testing.T) map[string]string {
	t.Helper()
	pub, priv, err := auth.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	random := func() string {
		b := make([]byte, 32)
		_, _ = rand.Read(b)
		return base64.StdEncoding.EncodeToString(b)
	}
	return map[string]string{
		"AIDFLOW_TOKEN_PUBLIC_KEY":  auth.EncodePublicKey(pub),
		"AIDFLOW_TOKEN_SIGNING_KEY": auth.EncodePrivateKey(priv),
		"AIDFLOW_OPERATOR_TOKEN":    "an-operator-token-of-tests",
		// sha256sum of the token above.
		"AIDFLOW_OPERATOR_TOKEN_SHA256": fmt.Sprintf("%x", sha256.Sum256([]byte("an-operator-token-of-tests"))),
		"AIDFLOW_AUDIT_SIGNING_KEY":     random(),
		"AIDFLOW_CONSOLE_SESSION_KEY":   random(),
	}
}

// configMaps are the base's ConfigMaps' data, by name.
func configMaps(t *testing.T, docs map[string][]map[string]any) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, d := range baseDocs(docs, "ConfigMap") {
		out[str(get(t, d, "metadata", "name"))], _ = d["data"].(map[string]any)
	}
	return out
}

// k8sEnv is the environment Deployment d gives its container: values,
// ConfigMap keys, secrets (from testSecrets, by variable name), and the
// pod's name for a fieldRef.
func k8sEnv(t *testing.T, d map[string]any, maps map[string]map[string]any, secrets map[string]string) map[string]string {
	t.Helper()
	name := str(get(t, d, "metadata", "name"))
	env := map[string]string{}
	for _, e := range get(t, d, "spec", "template", "spec", "containers", 0, "env").([]any) {
		n := str(get(t, e, "name"))
		from, _ := e.(map[string]any)["valueFrom"].(map[string]any)
		switch {
		case from == nil:
			env[n] = str(e.(map[string]any)["value"])
		case from["configMapKeyRef"] != nil:
			ref := from["configMapKeyRef"]
			env[n] = str(maps[str(get(t, ref, "name"))][str(get(t, ref, "key"))])
		case from["secretKeyRef"] != nil:
			env[n] = secrets[n]
		case from["fieldRef"] != nil:
			env[n] = name + "-7d9f8-abcde"
		default:
			t.Errorf("Deployment %s: %s comes from %v, which the test does not resolve", name, n, from)
		}
	}
	return env
}

// composeEnv is the environment compose service name gives its container:
// ${NAME:-default} is the default, ${NAME:?message} a secret from
// testSecrets.
func composeEnv(t *testing.T, doc map[string]any, name string, secrets map[string]string) map[string]string {
	t.Helper()
	env := map[string]string{}
	raw, ok := get(t, doc, "services", name, "environment").(map[string]any)
	if !ok {
		t.Fatalf("compose %s: environment is not a map", name)
	}
	for k, v := range raw {
		env[k] = composeVar.ReplaceAllStringFunc(str(v), func(s string) string {
			m := composeVar.FindStringSubmatch(s)
			if m[2] == "-" {
				return m[3]
			}
			return secrets[m[1]]
		})
	}
	return env
}
