// Package domain holds the registry's organizations and tokens and their rules.
package domain

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/contracts/regions"
	"github.com/aidflow/aidflow/shared/apperr"
	"github.com/aidflow/aidflow/shared/auth"
)

// Facility types of hospitals; designated hospitals and fever clinics are
// the frontline the matching policy serves first within an urgency class.
const (
	FacilityDesignated  = "designated"
	FacilityFeverClinic = "fever_clinic"
	FacilityGeneral     = "general"
	FacilityCommunity   = "community"
)

// FacilityTypes lists the allowed facility types.
var FacilityTypes = []string{FacilityDesignated, FacilityFeverClinic, FacilityGeneral, FacilityCommunity}

// MaxNameLength bounds an organization's name, in characters.
const MaxNameLength = 200

// Org is an organization: a hospital, manufacturer, donor or regulator.
type Org struct {
	ID           string
	Name         string
	Role         string
	Region       string
	FacilityType string
	CreatedAt    time.Time
	Tokens       []Token
}

// Token is the registry's record of a token it issued; the token itself is
// never stored, only its id.
type Token struct {
	ID        string
	CreatedAt time.Time
	RevokedAt *time.Time
	// RevokedKey is the request key (httpx.RequestKey) of the revocation
	// when it carried an Idempotency-Key: the same revocation sent again
	// after the process died before recording its answer is answered as
	// done, not refused as already revoked.
	RevokedKey string
}

// Errors.
var (
	ErrOrgNotFound    = apperr.New(apperr.NotFound, "no organization with this id")
	ErrOrgExists      = apperr.New(apperr.Conflict, "an organization with this id exists")
	ErrTokenNotFound  = apperr.New(apperr.NotFound, "no token with this id")
	ErrAlreadyRevoked = apperr.New(apperr.Conflict, "this token is already revoked")
	ErrTooManyTokens  = apperr.New(apperr.Conflict, "this organization has too many live tokens; revoke one first")
)

// NewOrgInput is what the operator sends to create an organization.
type NewOrgInput struct {
	Name         string
	Role         string
	Region       string
	FacilityType string
}

// NewOrg validates the input and returns the organization with a fresh id.
func NewOrg(in NewOrgInput, now time.Time) (Org, error) {
	var v apperr.Validation
	name := strings.TrimSpace(in.Name)
	switch {
	case name == "":
		v.Add("name", "is required")
	case utf8.RuneCountInString(name) > MaxNameLength:
		v.Add("name", "must be at most %d characters", MaxNameLength)
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		v.Add("name", "must not contain control characters")
	}
	if !contains(auth.OrgRoles, in.Role) {
		v.Add("role", "must be one of hospital, manufacturer, donor, regulator")
	}
	if !regions.Valid(in.Region) {
		v.Add("region", "must be a known 6-digit GB/T 2260 division code such as 330100 (Hangzhou) or 420100 (Wuhan)")
	}
	ft := in.FacilityType
	if in.Role == auth.Hospital {
		if ft == "" {
			ft = FacilityGeneral
		}
		if !contains(FacilityTypes, ft) {
			v.Add("facility_type", "must be one of designated, fever_clinic, general, community")
		}
	} else if ft != "" {
		v.Add("facility_type", "applies to hospitals only; leave it out for a %s", in.Role)
	}
	if err := v.Err(); err != nil {
		return Org{}, err
	}
	// Milliseconds: the database's precision, so an organization answered
	// again after a round trip through it reads the same.
	return Org{ID: "org_" + randomHex(10), Name: name, Role: in.Role, Region: in.Region, FacilityType: ft, CreatedAt: now.UTC().Truncate(time.Millisecond)}, nil
}

// KeyedOrgID is the id of an organization created by a request with a
// request key (httpx.RequestKey), so the same request sent again has the
// same id.
func KeyedOrgID(key string) string { return "org_" + keyHex(key, 10) }

// KeyedTokenID is the id of a token issued by a request with a request
// key, so the same request sent again issues the same token.
func KeyedTokenID(orgID, key string) string { return orgID + ".tok_" + keyHex(orgID+"\x00"+key, 8) }

func keyHex(s string, n int) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:n])
}

// NewTokenID returns a token id that names its organization, so a
// revocation finds the organization by _id alone.
func NewTokenID(orgID string) string { return orgID + ".tok_" + randomHex(8) }

// OrgIDOfToken returns the organization a token id belongs to.
func OrgIDOfToken(tokenID string) (string, bool) {
	org, _, ok := strings.Cut(tokenID, ".tok_")
	return org, ok && org != ""
}

// Token returns the token with id, if the organization has it.
func (o Org) Token(id string) (Token, bool) {
	for _, t := range o.Tokens {
		if t.ID == id {
			return t, true
		}
	}
	return Token{}, false
}

// Repository stores organizations. Every method addresses one
// organization by id.
type Repository interface {
	// Create stores a new organization with its first token and the events
	// that announce both, in one write.
	Create(ctx context.Context, o Org, evs ...events.Envelope) error
	Get(ctx context.Context, id string) (Org, error)
	// Update reads the organization, applies change under its lock, and
	// stores the result with the events change returns.
	Update(ctx context.Context, id string, change func(*Org) ([]events.Envelope, error)) (Org, error)
	// List returns organizations ordered by id after the cursor.
	List(ctx context.Context, after string, limit int) ([]Org, error)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}
