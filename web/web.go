// Package web holds the public page's templates and static assets,
// embedded so the disclosure service serves them with no build step and no
// files on disk: templates/ (html/template) and static/ (CSS, scripts).
package web

import "embed"

// FS holds templates/ and static/.
//
//go:embed templates static
var FS embed.FS
