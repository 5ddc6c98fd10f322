package domain

import (
	"strings"
	"unicode"
)

// MinContactDigits is the shortest run of digits taken for a phone or
// identity-card number: Chinese landlines have 7 or 8 digits without the
// area code, mobiles 11, identity cards 18.
const MinContactDigits = 7

// LooksLikeContact reports whether s seems to carry an e-mail address, a
// phone number or an identity-card number. A public name is published, and
// API.md forbids those anywhere public. Digits separated only by spaces,
// dashes, dots or brackets count as one run ("138 0013 8000").
func LooksLikeContact(s string) bool {
	if strings.ContainsAny(s, "@＠") {
		return true
	}
	run := 0
	for _, r := range s {
		switch {
		case unicode.IsDigit(r):
			run++
			if run >= MinContactDigits {
				return true
			}
		case run > 0 && strings.ContainsRune(" -.()+（）－", r):
			// a separator inside a number
		default:
			run = 0
		}
	}
	return false
}
