package manifests

import (
	"context"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/dotenv"
	"github.com/compose-spec/compose-go/v2/types"
)

// What `docker compose config` does, without the compose plugin: load the
// file with compose-go, the library the plugin itself loads it with, which
// validates it against the Compose Specification's JSON schema (unknown
// keys and wrong types fail), interpolates ${...} from env (a missing
// ${NAME:?message} fails), normalises, and checks consistency (every
// service, network and volume referred to exists).
func loadCompose(ctx context.Context, file string, env map[string]string) (*types.Project, error) {
	var list []string
	for k, v := range env {
		list = append(list, k+"="+v)
	}
	o, err := cli.NewProjectOptions([]string{file},
		cli.WithWorkingDirectory(filepath.Dir(file)),
		cli.WithEnv(list), // only env: neither the process's nor an .env file
		cli.WithInterpolation(true),
		cli.WithNormalization(true),
		cli.WithConsistency(true),
		cli.WithResolvedPaths(true),
	)
	if err != nil {
		return nil, err
	}
	return o.LoadProject(ctx)
}

// composeExampleEnv is the environment env.example documents, each value
// given by testSecrets: every required variable must be there.
func composeExampleEnv(t *testing.T, secrets map[string]string) map[string]string {
	t.Helper()
	f := filepath.Join(root, "deploy", "compose", "env.example")
	example, err := dotenv.Read(f)
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	for k := range example {
		if secrets[k] == "" {
			t.Fatalf("env.example lists %s, for which the tests have no value", k)
		}
		env[k] = secrets[k]
	}
	return env
}

// TestComposeFileLoads loads compose.yaml as `docker compose config` would
// with an .env made from env.example, and checks that env.example names
// every variable compose.yaml interpolates.
func TestComposeFileLoads(t *testing.T) {
	secrets := testSecrets(t)
	env := composeExampleEnv(t, secrets)
	file := filepath.Join(root, "deploy", "compose", "compose.yaml")
	p, err := loadCompose(t.Context(), file, env)
	if err != nil {
		t.Fatalf("compose.yaml: %v", err)
	}
	if p.Name != "aidflow" {
		t.Errorf("project name %q, want aidflow", p.Name)
	}

	// env.example: the required variables uncommented, the others as
	// comments showing their defaults.
	body, err := os.ReadFile(filepath.Join(root, "deploy", "compose", "env.example"))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range composeVar.FindAllStringSubmatch(string(raw), -1) {
		line := m[1] + "="
		if m[2] == "-" {
			line = "# " + m[1] + "=" + m[3]
		}
		if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(line) + `$`).Match(body) {
			t.Errorf("env.example has no line %q for %s", line, m[0])
		}
	}

	// The other tests resolve ${...} by hand (composeEnv): the loader must
	// agree with them, service by service.
	doc := readYAMLDocs(t, file)[0]
	for _, name := range composeServices(t, doc) {
		s, err := p.GetService(name)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for k, v := range s.Environment {
			if v == nil {
				t.Errorf("compose %s: %s has no value", name, k)
				continue
			}
			got[k] = *v
		}
		if want := composeEnv(t, doc, name, secrets); !maps.Equal(got, want) {
			t.Errorf("compose %s: the loader's environment %v, the tests' %v", name, got, want)
		}
	}
}

// brokenCompose is a small valid compose file: each case of
// TestComposeValidationRejects breaks it in one place.
const brokenCompose = `name: broken
services:
  web:
    image: example/web:${TAG:-1}
    environment:
      KEY: ${KEY:?set KEY}
    ports: ["8080:8080"]
    depends_on:
      db: {condition: service_healthy}
    deploy:
      replicas: 2
    networks: [front]
  db:
    image: example/db:1
    healthcheck:
      test: ["CMD", "true"]
      interval: 5s
    volumes: ["data:/data"]
networks:
  front: {}
volumes:
  data: {}
`

// TestComposeValidationRejects proves the loading can fail: each case
// changes one thing in brokenCompose (or leaves a variable unset), and
// loadCompose, the function that loads the real file, must reject it.
func TestComposeValidationRejects(t *testing.T) {
	cases := []struct {
		name, old, new string
		env            map[string]string // nil: KEY set
		want           string            // in the error; "" = valid
	}{
		{name: "unchanged is valid"},
		{"misspelled service key", "    environment:", "    enviroment:", nil, "services.web.enviroment false schema"}, //nolint:misspell // the misspelling is the case
		{"misspelled top-level key", "\nvolumes:", "\nvolume:", nil, "additional properties 'volume' not allowed"},
		{"wrong type: string for a number", "replicas: 2", "replicas: two", nil, `services.web.deploy.replicas: failed to cast to expected type: strconv.Atoi: parsing "two"`},
		{"wrong type: map for a list", `ports: ["8080:8080"]`, `ports: {web: 8080}`, nil, "services.web.ports must be a array"},
		{"duration that does not parse", "interval: 5s", "interval: often", nil, `'services[db].healthcheck.interval' time: invalid duration "often"`},
		{"depends on a missing service", "      db: {condition", "      dbx: {condition", nil, `depends on undefined service "dbx"`},
		{"undeclared network", "networks: [front]", "networks: [back]", nil, "refers to undefined network back"},
		{"undeclared volume", `volumes: ["data:/data"]`, `volumes: ["cache:/data"]`, nil, "refers to undefined volume cache"},
		{"required variable unset", "", "", map[string]string{}, "required variable KEY is missing a value: set KEY"},
		{"required variable empty", "", "", map[string]string{"KEY": ""}, "required variable KEY is missing a value: set KEY"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !strings.Contains(brokenCompose, c.old) {
				t.Fatalf("brokenCompose does not contain %q: the case breaks nothing", c.old)
			}
			file := filepath.Join(t.TempDir(), "compose.yaml")
			if err := os.WriteFile(file, []byte(strings.Replace(brokenCompose, c.old, c.new, 1)), 0o600); err != nil {
				t.Fatal(err)
			}
			env := c.env
			if env == nil {
				env = map[string]string{"KEY": "value"}
			}
			p, err := loadCompose(t.Context(), file, env)
			wantError(t, err, c.want)
			if c.want == "" && len(p.Services) != 2 {
				t.Fatalf("%d services, want 2", len(p.Services))
			}
		})
	}
}
