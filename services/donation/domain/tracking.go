package domain

import (
	"crypto/rand"
	"strings"
)

// Tracking codes are read aloud over the phone and typed from a receipt,
// so their alphabet leaves out the symbols people confuse: 0/O and 1/I.
// 32 symbols carry 5 bits each; 13 symbols carry 65 bits of randomness,
// enough that guessing one among millions of donations takes longer than
// anyone can spend (and issue 4 rate-limits the lookup on top).
const (
	TrackingAlphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
	TrackingLength   = 13
	// TrackingGroup is how many symbols are shown between dashes:
	// AF7K-2MXQ-9RTB-H.
	TrackingGroup = 4
)

// NewTrackingCode returns a random code in its normal form (upper case, no
// dashes).
func NewTrackingCode() string {
	var b [TrackingLength]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	for i := range b {
		// 256 is a multiple of 32, so every symbol is equally likely.
		b[i] = TrackingAlphabet[b[i]%byte(len(TrackingAlphabet))]
	}
	return string(b[:])
}

// NormalizeTrackingCode reads a code as a person typed it: any case, with
// or without dashes and spaces. It reports false for anything that cannot
// be a code.
func NormalizeTrackingCode(s string) (string, bool) {
	if len(s) > 4*TrackingLength {
		return "", false
	}
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		switch {
		case r == '-' || r == ' ':
			continue
		case r < 128 && strings.IndexByte(TrackingAlphabet, byte(r)) >= 0:
			b.WriteRune(r)
		default:
			return "", false
		}
	}
	if b.Len() != TrackingLength {
		return "", false
	}
	return b.String(), true
}

// FormatTrackingCode groups a normal code for people: AF7K-2MXQ-9RTB-H.
func FormatTrackingCode(code string) string {
	var b strings.Builder
	for i, r := range code {
		if i > 0 && i%TrackingGroup == 0 {
			b.WriteByte('-')
		}
		b.WriteRune(r)
	}
	return b.String()
}
