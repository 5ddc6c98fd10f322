package domain_test

import (
	"strings"
	"testing"

	"github.com/aidflow/aidflow/services/donation/domain"
)

// FuzzNormalizeTrackingCode feeds anything a person (or a script) might
// type as a tracking code. An accepted code is 13 symbols of the alphabet,
// is what the input says once dashes and spaces are dropped and letters
// upper-cased, and reads back the same in its printed form, lower case or
// normal form; a refused one gives nothing.
func FuzzNormalizeTrackingCode(f *testing.F) {
	for _, seed := range []string{"AF7K-2MXQ-9RTB-H", "af7k 2mxq 9rtb h", "AF7K2MXQ9RTBH", "AF7K-2MXQ-9RTB-0", "AF7K-2MXQ-9RTB-I",
		"", "ǅ", "ＡF7K-2MXQ-9RTB-H", strings.Repeat("-", 60) + "AF7K2MXQ9RTBH"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, typed string) {
		code, ok := domain.NormalizeTrackingCode(typed)
		if !ok {
			if code != "" {
				t.Fatalf("refused %q but returned %q", typed, code)
			}
			return
		}
		if len(code) != domain.TrackingLength || strings.Trim(code, domain.TrackingAlphabet) != "" {
			t.Fatalf("%q normalised to %q", typed, code)
		}
		if plain := strings.NewReplacer("-", "", " ", "").Replace(strings.ToUpper(typed)); plain != code {
			t.Fatalf("%q normalised to %q, not to what it says (%q)", typed, code, plain)
		}
		for _, form := range []string{code, domain.FormatTrackingCode(code), strings.ToLower(domain.FormatTrackingCode(code))} {
			if again, ok := domain.NormalizeTrackingCode(form); !ok || again != code {
				t.Fatalf("%q (from %q) reads back as %q, %v", form, typed, again, ok)
			}
		}
	})
}
