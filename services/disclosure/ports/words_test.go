package ports

import (
	"testing"

	"github.com/aidflow/aidflow/shared/i18n"
)

// The public page says everything in zh-CN and English: no empty text,
// no level or status named in one language only, policy points in both.
func TestWordsSayEverythingInEveryLanguage(t *testing.T) {
	for _, p := range i18n.Check(words) {
		t.Error(p)
	}
}
