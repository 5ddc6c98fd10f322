package testkit

import (
	"maps"
	"strings"
	"testing"

	"github.com/aidflow/aidflow/shared/auth"
	"github.com/aidflow/aidflow/shared/config"
)

// PlatformEnv is the smallest environment every service's LoadConfig
// accepts: the platform's required variables, pointing nowhere in
// particular (loading a config connects to nothing).
func PlatformEnv(tb testing.TB) map[string]string {
	tb.Helper()
	return map[string]string{
		"NATS_URL":                 "nats://127.0.0.1:4222",
		"MONGO_URI":                "mongodb://127.0.0.1:27017",
		"AIDFLOW_TOKEN_PUBLIC_KEY": auth.EncodePublicKey(NewIssuer(tb).PublicKey()),
	}
}

// ConfigCase is one row of a config table: Env laid over the base
// environment, then either the text the error must contain (WantErr, the
// variable's name at least) or, when WantErr is empty, no error and a
// config that Check accepts (nil: any).
type ConfigCase[C any] struct {
	Name    string
	Env     map[string]string
	WantErr string
	Check   func(C) bool
}

// ConfigCases runs each case as a subtest of t with CheckConfig.
func ConfigCases[C any](t *testing.T, load func(*config.Loader) C, base map[string]string, cases ...ConfigCase[C]) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) { CheckConfig(t, load, base, c) })
	}
}

// CheckConfig loads a config with load from base with c.Env laid over it
// and fails the test unless it goes as c says.
func CheckConfig[C any](tb testing.TB, load func(*config.Loader) C, base map[string]string, c ConfigCase[C]) {
	tb.Helper()
	env := maps.Clone(base)
	if env == nil {
		env = map[string]string{}
	}
	maps.Copy(env, c.Env)
	l := config.FromMap(env)
	got := load(l)
	err := l.Err()
	if c.WantErr != "" {
		if err == nil || !strings.Contains(err.Error(), c.WantErr) {
			tb.Fatalf("err = %v, want one naming %s", err, c.WantErr)
		}
		return
	}
	if err != nil {
		tb.Fatalf("config %+v: %v", got, err)
	}
	if c.Check != nil && !c.Check(got) {
		tb.Fatalf("config %+v is not what %q wants", got, c.Name)
	}
}
