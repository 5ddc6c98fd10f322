// Package route is the gateway's path matching, kept apart from package
// stack (which links every service) so it can be fuzzed in seconds.
package route

import "strings"

// Matches reports whether path falls under prefix as whole segments: the
// prefix itself, or the prefix followed by '/' or by ':' (a custom method
// such as /v1/needs:import); "/" takes every path. /v1/needs does not
// match /v1/needsx.
func Matches(prefix, path string) bool {
	if prefix == "/" || path == prefix {
		return true
	}
	if !strings.HasPrefix(path, prefix) || len(path) == len(prefix) {
		return false
	}
	next := path[len(prefix)]
	return next == '/' || next == ':'
}
