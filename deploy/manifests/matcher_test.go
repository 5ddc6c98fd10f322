package manifests

import (
	"crypto/ed25519"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aidflow/aidflow/contracts/catalog"
	matcher "github.com/aidflow/aidflow/services/matcher/service"
	"github.com/aidflow/aidflow/shared/auth"
	"github.com/aidflow/aidflow/shared/config"
)

// partitionsConfigMap is the k8s partition list.
const partitionsConfigMap = "aidflow-matcher-partitions"

// checkPartitions checks a layout of matcher partitions, each an
// environment as the process would see it: every one loads (the matcher's
// own LoadConfig: partition name, items in the catalog), sets every
// variable the matcher reads (but those in unset), and every catalog item
// is in exactly one partition.
func checkPartitions(t *testing.T, where string, envs map[string]map[string]string, unset ...string) {
	t.Helper()
	if len(envs) < 2 {
		t.Errorf("%s: %d matcher partitions, want at least 2", where, len(envs))
	}
	reads, _ := serviceEnv(t)
	servedBy := map[string][]string{}
	for name, env := range envs {
		l := config.FromMap(env)
		cfg := matcher.LoadConfig(l)
		if err := l.Err(); err != nil {
			t.Errorf("%s %s: the matcher refuses its environment: %v", where, name, err)
			continue
		}
		if cfg.Partition.Name != name || cfg.Partition.Whole() {
			t.Errorf("%s %s: serves partition %q (items %v)", where, name, cfg.Partition.Name, cfg.Partition.Items)
		}
		for v := range reads["matcher"] {
			if _, ok := env[v]; !ok && !slices.Contains(unset, v) {
				t.Errorf("%s %s: %s, which the matcher reads, is not set", where, name, v)
			}
		}
		for _, it := range cfg.Partition.Items {
			servedBy[it] = append(servedBy[it], name)
		}
	}
	for _, it := range catalog.Codes() {
		if len(servedBy[it]) != 1 {
			t.Errorf("%s: catalog item %s is served by %v, want exactly one partition", where, it, servedBy[it])
		}
	}
}

// testPublicKey stands in for the Secret's token key.
func testPublicKey(t *testing.T) string {
	pub, _, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	return auth.EncodePublicKey(pub)
}

func TestKubernetesMatcherPartitions(t *testing.T) {
	docs := k8sDocs(t)
	configMaps := map[string]map[string]any{}
	for _, d := range baseDocs(docs, "ConfigMap") {
		configMaps[str(get(t, d, "metadata", "name"))], _ = d["data"].(map[string]any)
	}
	key := testPublicKey(t)
	envs := map[string]map[string]string{}
	for _, d := range baseDocs(docs, "Deployment") {
		if get(t, d, "spec", "template", "metadata", "labels", "app.kubernetes.io/name") != "matcher" {
			continue
		}
		name := str(get(t, d, "metadata", "name"))
		part := str(get(t, d, "spec", "template", "metadata", "labels", "aidflow.org/matcher-partition"))
		if name != "matcher-"+part || str(get(t, d, "spec", "selector", "matchLabels", "aidflow.org/matcher-partition")) != part {
			t.Errorf("Deployment %s: partition label %q, selector %v", name, part, get(t, d, "spec", "selector", "matchLabels"))
		}
		if r := get(t, d, "spec", "replicas"); r != 2 {
			t.Errorf("Deployment %s: replicas = %v, want 2 (active and standby)", name, r)
		}
		env := map[string]string{}
		for _, e := range get(t, d, "spec", "template", "spec", "containers", 0, "env").([]any) {
			n := str(get(t, e, "name"))
			from, _ := e.(map[string]any)["valueFrom"].(map[string]any)
			switch {
			case from == nil:
				env[n] = str(get(t, e, "value"))
			case from["configMapKeyRef"] != nil:
				ref := from["configMapKeyRef"]
				env[n] = str(configMaps[str(get(t, ref, "name"))][str(get(t, ref, "key"))])
			case from["secretKeyRef"] != nil:
				env[n] = key
			case from["fieldRef"] != nil:
				env[n] = name + "-7d9f8-abcde"
			}
		}
		if env["AIDFLOW_MATCHER_PARTITION"] != part {
			t.Errorf("Deployment %s: AIDFLOW_MATCHER_PARTITION %q", name, env["AIDFLOW_MATCHER_PARTITION"])
		}
		envs[part] = env
	}
	for part := range configMaps[partitionsConfigMap] {
		if envs[part] == nil {
			t.Errorf("partition %s of %s has no Deployment matcher-%s", part, partitionsConfigMap, part)
		}
	}
	checkPartitions(t, "k8s", envs)
}

// composeVar is a compose substitution: ${NAME:?message} or ${NAME:-default}.
var composeVar = regexp.MustCompile(`\$\{([A-Z0-9_]+)(?::([-?])([^}]*))?\}`)

func TestComposeMatcherPartitions(t *testing.T) {
	doc := readYAMLDocs(t, filepath.Join(root, "deploy", "compose", "compose.yaml"))[0]
	secrets := map[string]string{"AIDFLOW_TOKEN_PUBLIC_KEY": testPublicKey(t)}
	envs := map[string]map[string]string{}
	for _, name := range composeServices(t, doc) {
		part, ok := strings.CutPrefix(name, "matcher-")
		if !ok {
			continue
		}
		env := map[string]string{}
		for k, v := range get(t, doc, "services", name, "environment").(map[string]any) {
			env[k] = composeVar.ReplaceAllStringFunc(str(v), func(s string) string {
				m := composeVar.FindStringSubmatch(s)
				if m[2] == "-" {
					return m[3]
				}
				return secrets[m[1]]
			})
		}
		if env["AIDFLOW_MATCHER_PARTITION"] != part {
			t.Errorf("compose %s: AIDFLOW_MATCHER_PARTITION %q", name, env["AIDFLOW_MATCHER_PARTITION"])
		}
		if r := get(t, doc, "services", name, "deploy", "replicas"); r != 2 {
			t.Errorf("compose %s: replicas = %v, want 2 (active and standby)", name, r)
		}
		aliases, _ := get(t, doc, "services", name, "networks", "default", "aliases").([]any)
		if !slices.Contains(aliases, any("matcher")) {
			t.Errorf("compose %s: not reachable as \"matcher\", the name the ingress uses", name)
		}
		envs[part] = env
	}
	// Replicas of a compose service share one environment: the instance
	// name is left to its default, the host name and a random suffix.
	checkPartitions(t, "compose", envs, "AIDFLOW_MATCHER_INSTANCE")
}
