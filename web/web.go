// Package web holds the pages' templates and static assets, embedded so
// the services serve them with no build step and no files on disk:
// templates/ and static/ for the public page (disclosure), console/ for
// the regulators' console (its templates/ and static/; it also serves the
// public page's style sheet, so both look alike).
package web

import "embed"

// FS holds templates/ and static/.
//
//go:embed templates static
var FS embed.FS

// Console holds console/templates and console/static.
//
//go:embed console
var Console embed.FS
