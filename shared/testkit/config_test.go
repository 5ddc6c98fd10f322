package testkit_test

import (
	"strings"
	"testing"
	"time"

	"github.com/aidflow/aidflow/shared/config"
	"github.com/aidflow/aidflow/shared/platform"
	"github.com/aidflow/aidflow/shared/testkit"
)

type cfg struct {
	Platform platform.Config
	Every    time.Duration
}

func load(l *config.Loader) cfg {
	return cfg{Platform: platform.LoadConfig("svc", l), Every: l.Duration("EVERY", time.Minute)}
}

func TestPlatformEnvLoads(t *testing.T) {
	testkit.ConfigCases(t, load, testkit.PlatformEnv(t),
		testkit.ConfigCase[cfg]{Name: "defaults", Check: func(c cfg) bool { return c.Every == time.Minute && c.Platform.NATSURL != "" }},
		testkit.ConfigCase[cfg]{Name: "set", Env: map[string]string{"EVERY": "1h"}, Check: func(c cfg) bool { return c.Every == time.Hour }},
		testkit.ConfigCase[cfg]{Name: "bad", Env: map[string]string{"EVERY": "often"}, WantErr: "EVERY"},
		testkit.ConfigCase[cfg]{Name: "no check", Env: map[string]string{"EVERY": "2h"}},
	)
}

func TestCheckConfigFails(t *testing.T) {
	base := testkit.PlatformEnv(t)
	tests := []struct {
		name string
		base map[string]string
		c    testkit.ConfigCase[cfg]
		want string
	}{
		{"error not wanted", base, testkit.ConfigCase[cfg]{Name: "x", Env: map[string]string{"EVERY": "often"}}, "EVERY"},
		{"error wanted, none", base, testkit.ConfigCase[cfg]{Name: "x", WantErr: "EVERY"}, "want one naming EVERY"},
		{"another error", nil, testkit.ConfigCase[cfg]{Name: "x", Env: map[string]string{"EVERY": "often"}, WantErr: "AIDFLOW_NOPE"}, "want one naming AIDFLOW_NOPE"},
		{"check refuses", base, testkit.ConfigCase[cfg]{Name: "wants an hour", Check: func(c cfg) bool { return c.Every == time.Hour }}, `"wants an hour"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := failure(t, func(tb testing.TB) { testkit.CheckConfig(tb, load, tt.base, tt.c) })
			if !strings.Contains(got, tt.want) {
				t.Fatalf("failure = %q, want %q", got, tt.want)
			}
			if len(base) != 3 {
				t.Fatalf("the base was changed: %v", base)
			}
		})
	}
}
