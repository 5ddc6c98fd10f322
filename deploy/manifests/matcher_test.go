package manifests

import (
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aidflow/aidflow/contracts/catalog"
	matcher "github.com/aidflow/aidflow/services/matcher/service"
	"github.com/aidflow/aidflow/shared/config"
)

// partitionsConfigMap is the k8s partition list.
const partitionsConfigMap = "aidflow-matcher-partitions"

// checkPartitions checks a layout of matcher partitions, each an
// environment as the process would see it: every one loads (the matcher's
// own LoadConfig: partition name, items in the catalog; checkLoads checks
// that it sets every variable the matcher reads), and every catalog item
// is in exactly one partition.
func checkPartitions(t *testing.T, where string, envs map[string]map[string]string) {
	t.Helper()
	if len(envs) < 2 {
		t.Errorf("%s: %d matcher partitions, want at least 2", where, len(envs))
	}
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

func TestKubernetesMatcherPartitions(t *testing.T) {
	docs := k8sDocs(t)
	maps, secrets := configMaps(t, docs), testSecrets(t)
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
		env := k8sEnv(t, d, maps, secrets)
		if env["AIDFLOW_MATCHER_PARTITION"] != part {
			t.Errorf("Deployment %s: AIDFLOW_MATCHER_PARTITION %q", name, env["AIDFLOW_MATCHER_PARTITION"])
		}
		envs[part] = env
	}
	for part := range maps[partitionsConfigMap] {
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
	secrets := testSecrets(t)
	envs := map[string]map[string]string{}
	for _, name := range composeServices(t, doc) {
		part, ok := strings.CutPrefix(name, "matcher-")
		if !ok {
			continue
		}
		env := composeEnv(t, doc, name, secrets)
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
	checkPartitions(t, "compose", envs)
}
