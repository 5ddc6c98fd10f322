package ports

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"

	"github.com/aidflow/aidflow/shared/i18n"
	"github.com/aidflow/aidflow/web"
)

// Every word in every language: no empty text, no code named in one
// language only, no format whose values differ between languages.
func TestWordsSayEverythingInEveryLanguage(t *testing.T) {
	for _, p := range i18n.Check(words) {
		t.Error(p)
	}
}

var (
	action = regexp.MustCompile(`(?s)\{\{.*?\}\}`)
	tag    = regexp.MustCompile(`(?s)<[^>]*>`)
	entity = regexp.MustCompile(`&[a-z]+;|&#\d+;`)
	letter = regexp.MustCompile(`\p{L}+`)
	// shown are the attributes a browser shows or reads aloud.
	shown = regexp.MustCompile(`(?:aria-label|title|placeholder|alt|data-says-[a-z]+)="([^"]*)"`)
)

// The templates print no words of their own: every text a page shows,
// in its body or in an attribute read aloud, comes from the table. (The
// rendered pages are checked too, with the fake API: service's
// TestPagesSpeakOneLanguage.)
func TestTemplatesPrintOnlyTheTable(t *testing.T) {
	files, err := fs.Glob(web.Console, "console/templates/*.html")
	if err != nil || len(files) != len(pageNames)+1 {
		t.Fatalf("templates %v (%v), want %d", files, err, len(pageNames)+1)
	}
	for _, f := range files {
		b, err := fs.ReadFile(web.Console, f)
		if err != nil {
			t.Fatal(err)
		}
		src := string(b)
		for _, m := range shown.FindAllStringSubmatch(src, -1) {
			if w := letter.FindString(action.ReplaceAllString(m[1], "")); w != "" {
				t.Errorf("%s: %q says %q outside the table", f, m[0], w)
			}
		}
		text := entity.ReplaceAllString(tag.ReplaceAllString(action.ReplaceAllString(src, ""), " "), " ")
		for _, w := range letter.FindAllString(text, -1) {
			t.Errorf("%s: %q outside the table", f, w)
		}
	}
	// The live script's messages are the page's (data-says-*), not its own.
	js, err := fs.ReadFile(web.Console, "console/static/console.js")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(js), `textContent = "`) {
		t.Error("console.js shows a text of its own")
	}
}
