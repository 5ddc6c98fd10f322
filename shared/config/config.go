// Package config reads a service's settings from environment variables with
// defaults, and reports every missing or malformed variable by name at once,
// so a misconfigured process stops at start with a message a person can act on.
package config

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Loader reads variables and collects problems. Use Err after the last read.
type Loader struct {
	lookup func(string) (string, bool)
	errs   []error
	read   []string
}

// FromEnv reads the process environment.
func FromEnv() *Loader { return &Loader{lookup: os.LookupEnv} }

// FromMap reads a map, for tests and for the local stack that configures
// services in-process.
func FromMap(m map[string]string) *Loader {
	return &Loader{lookup: func(k string) (string, bool) { v, ok := m[k]; return v, ok }}
}

func (l *Loader) get(name string) (string, bool) {
	if !slices.Contains(l.read, name) {
		l.read = append(l.read, name)
	}
	v, ok := l.lookup(name)
	v = strings.TrimSpace(v)
	return v, ok && v != ""
}

func (l *Loader) fail(name, format string, args ...any) {
	l.errs = append(l.errs, fmt.Errorf("%s: %s", name, fmt.Sprintf(format, args...)))
}

// String returns the variable or def when it is unset or empty.
func (l *Loader) String(name, def string) string {
	if v, ok := l.get(name); ok {
		return v
	}
	return def
}

// Required returns the variable and records an error when it is unset.
func (l *Loader) Required(name string) string {
	v, ok := l.get(name)
	if !ok {
		l.fail(name, "is required but not set")
	}
	return v
}

// Int returns the variable as an integer, or def.
func (l *Loader) Int(name string, def int) int {
	v, ok := l.get(name)
	if !ok {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		l.fail(name, "must be a whole number, got %q", v)
		return def
	}
	return n
}

// Duration returns the variable as a Go duration ("30s", "5m"), or def.
func (l *Loader) Duration(name string, def time.Duration) time.Duration {
	v, ok := l.get(name)
	if !ok {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		l.fail(name, "must be a duration such as 30s or 5m, got %q", v)
		return def
	}
	return d
}

// Bool returns the variable as a boolean (1/0, true/false), or def.
func (l *Loader) Bool(name string, def bool) bool {
	v, ok := l.get(name)
	if !ok {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		l.fail(name, "must be true or false, got %q", v)
		return def
	}
	return b
}

// List returns a comma-separated variable as a slice, or def.
func (l *Loader) List(name string, def []string) []string {
	v, ok := l.get(name)
	if !ok {
		return def
	}
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Check records an error for name when ok is false, for rules beyond the type.
func (l *Loader) Check(name string, ok bool, msg string) {
	if !ok {
		l.fail(name, "%s", msg)
	}
}

// Err returns every problem found so far, one per line, or nil.
func (l *Loader) Err() error {
	if len(l.errs) == 0 {
		return nil
	}
	return fmt.Errorf("configuration: %w", errors.Join(l.errs...))
}

// Read returns the names of the variables read so far, in the order first
// read: what a deployment must set for the process (deploy/manifests).
func (l *Loader) Read() []string { return slices.Clone(l.read) }
