package config_test

import (
	"strings"
	"testing"
	"time"

	"github.com/aidflow/aidflow/shared/config"
)

func TestLoaderDefaultsAndValues(t *testing.T) {
	l := config.FromMap(map[string]string{
		"ADDR": "127.0.0.1:9", "N": "7", "D": "3s", "B": "true", "L": "a, b,,c", "EMPTY": "  ",
	})
	if got := l.String("ADDR", "x"); got != "127.0.0.1:9" {
		t.Errorf("String = %q", got)
	}
	if got := l.String("EMPTY", "def"); got != "def" {
		t.Errorf("empty variable should give default, got %q", got)
	}
	if got := l.Int("N", 1); got != 7 {
		t.Errorf("Int = %d", got)
	}
	if got := l.Duration("D", 0); got != 3*time.Second {
		t.Errorf("Duration = %v", got)
	}
	if got := l.Bool("B", false); !got {
		t.Errorf("Bool = %v", got)
	}
	if got := l.List("L", nil); strings.Join(got, "|") != "a|b|c" {
		t.Errorf("List = %v", got)
	}
	if got := l.Int("MISSING", 5); got != 5 {
		t.Errorf("Int default = %d", got)
	}
	if err := l.Err(); err != nil {
		t.Fatalf("Err = %v", err)
	}
	// Every name asked for, set or not, once, in the order first asked.
	l.Required("ADDR")
	if got := strings.Join(l.Read(), " "); got != "ADDR EMPTY N D B L MISSING" {
		t.Errorf("Read = %s", got)
	}
}

func TestLoaderNamesEveryBadVariable(t *testing.T) {
	l := config.FromMap(map[string]string{"N": "seven", "D": "soon", "B": "maybe"})
	l.Required("MONGO_URI")
	l.Int("N", 1)
	l.Duration("D", time.Second)
	l.Bool("B", false)
	l.Check("X", false, "must be positive")
	err := l.Err()
	if err == nil {
		t.Fatal("expected an error")
	}
	for _, name := range []string{"MONGO_URI", "N", "D", "B", "X"} {
		if !strings.Contains(err.Error(), name+":") {
			t.Errorf("error does not name %s: %v", name, err)
		}
	}
}
