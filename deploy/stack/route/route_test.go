package route_test

import (
	"strings"
	"testing"

	"github.com/aidflow/aidflow/deploy/stack/route"
)

func TestMatches(t *testing.T) {
	for _, tt := range []struct {
		prefix, path string
		want         bool
	}{
		{"/v1/needs", "/v1/needs", true},
		{"/v1/needs", "/v1/needs/n1/cancel", true},
		{"/v1/needs", "/v1/needs:import", true},
		{"/v1/needs", "/v1/needsx", false},
		{"/v1/needs", "/v1/need", false},
		{"/v1/me", "/v1/me/stream", true},
		{"/", "", true},
		{"/", "anything", true},
		{"/v1/audit", "/v1/AUDIT", false},
	} {
		if got := route.Matches(tt.prefix, tt.path); got != tt.want {
			t.Errorf("Matches(%q, %q) = %v, want %v", tt.prefix, tt.path, got, tt.want)
		}
	}
}

// FuzzMatches: for any prefix and path, no panic, and a match is exactly
// the prefix as whole segments (or the catch-all "/"): the gateway never
// sends /v1/needsx to the owner of /v1/needs, nor a path that only
// shares characters with a prefix.
func FuzzMatches(f *testing.F) {
	for _, s := range [][2]string{{"/v1/needs", "/v1/needs:import"}, {"/v1/needs", "/v1/needsx"}, {"/v1/public", "/v1/public/donations/AF7K"},
		{"/v1/me", "/v1/me/stream"}, {"/", ""}, {"", ""}, {"/v1/audit", "/v1/audit/../needs"}, {"/console", "/console%2f"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, prefix, path string) {
		got := route.Matches(prefix, path)
		want := prefix == "/" || path == prefix ||
			strings.HasPrefix(path, prefix+"/") || strings.HasPrefix(path, prefix+":")
		if got != want {
			t.Fatalf("Matches(%q, %q) = %v, want %v", prefix, path, got, want)
		}
	})
}
