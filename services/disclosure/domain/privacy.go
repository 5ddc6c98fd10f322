package domain

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Masked replaces what Sanitize removes from a published name.
const Masked = "***"

// MaxPublicName bounds a published name, in characters.
const MaxPublicName = 200

var (
	// An e-mail address, ASCII or not around the @.
	emailRE = regexp.MustCompile(`[\p{L}\p{N}._%+\-]+@[\p{L}\p{N}\-]+(?:\.[\p{L}\p{N}\-]+)+`)
	// Seven or more digits (ASCII or full-width), possibly broken by
	// spaces, dashes, dots or brackets, with an optional leading + or ( and a
	// trailing X: mobile and landline numbers, +86 prefixes, 15- and
	// 18-character identity-card numbers, bank cards. Seven digits is the
	// shortest local landline number; names of institutions rarely hold
	// that many digits in a row.
	digitsRE = regexp.MustCompile(`[+(（]?[0-9０-９](?:[\s\-.()（）]*[0-9０-９]){6,}[XxＸｘ]?`)
	// A run of digits that is nothing but one calendar date or a range of
	// two (the policy's reasons say "needed-by window 2026-11-25..2026-11-27"):
	// kept. A date with more digits around it is masked whole, so a phone
	// number cannot pass by looking partly like a date.
	datesRE = regexp.MustCompile(`^` + isoDate + `(?:\.\.` + isoDate + `)?$`)
	// What the matcher writes in decided_by: its policy version, or the
	// regulator organization that overrode. Opaque ids, never a person's.
	decidedByRE = regexp.MustCompile(`^(?:aidflow-policy/[0-9]+(?:\.[0-9]+)*|regulator:org_[0-9a-z]+)$`)
)

const isoDate = `(?:19|20)[0-9]{2}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])`

// Sanitize returns a name fit to publish: control characters and runs of
// space collapsed, e-mail addresses and long digit runs (phone, identity
// card and account numbers) masked, and the length bounded. Names come from
// organizations' registrations and donors' chosen public names; the
// registry accepts free text, so the public side never trusts it.
func Sanitize(name string) string {
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return ' '
		}
		return r
	}, name)
	name = emailRE.ReplaceAllString(name, Masked)
	name = digitsRE.ReplaceAllStringFunc(name, func(run string) string {
		if datesRE.MatchString(run) {
			return run
		}
		return Masked
	})
	name = strings.Join(strings.Fields(name), " ")
	if utf8.RuneCountInString(name) > MaxPublicName {
		name = string([]rune(name)[:MaxPublicName])
	}
	return name
}

// PublicDecidedBy returns an allocation's decided_by fit to publish: the
// policy version or the overriding regulator's organization id as they
// are (Sanitize would mask a long run of digits in an id), anything else
// sanitized like free text.
func PublicDecidedBy(s string) string {
	if decidedByRE.MatchString(s) {
		return s
	}
	return Sanitize(s)
}
