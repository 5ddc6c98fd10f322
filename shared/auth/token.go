// Package auth issues and verifies Aidflow tokens without a network call.
//
// A token is "aft1.<payload>.<signature>": the payload is the base64url JSON
// of Claims, the signature an Ed25519 signature over "aft1.<payload>" by the
// registry's key. Every service holds the public key, so verification is
// local; revocations reach every service as registry events (FollowRevocations).
// There is no algorithm field to confuse ("alg: none" cannot exist): a token
// without the aft1 prefix or with any other signature is refused.
package auth

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/aidflow/aidflow/shared/apperr"
)

// Roles.
const (
	Hospital     = "hospital"
	Manufacturer = "manufacturer"
	Donor        = "donor"
	Regulator    = "regulator"
	Operator     = "operator"
)

// OrgRoles are the roles an organization may have.
var OrgRoles = []string{Hospital, Manufacturer, Donor, Regulator}

const prefix = "aft1."

// Claims is what a token says about its holder.
type Claims struct {
	TokenID  string `json:"tid"`
	OrgID    string `json:"org"`
	Role     string `json:"role"`
	Region   string `json:"region,omitempty"`
	IssuedAt int64  `json:"iat"`
	// ExpiresAt (Unix seconds) ends the token's life; zero never does. The
	// registry's organization tokens live until revoked; a token with an
	// expiry (a short-lived delegation, a test) is refused from then on.
	ExpiresAt int64 `json:"exp,omitempty"`
}

// Signer makes tokens; only the registry has one.
type Signer struct{ key ed25519.PrivateKey }

// NewSigner signs with key.
func NewSigner(key ed25519.PrivateKey) *Signer { return &Signer{key: key} }

// Sign returns the token for c.
func (s *Signer) Sign(c Claims) (string, error) {
	raw, err := json.Marshal(c)
	if err != nil {
		return "", err
	}
	head := prefix + base64.RawURLEncoding.EncodeToString(raw)
	sig := ed25519.Sign(s.key, []byte(head))
	return head + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}

// Verifier checks tokens with the public key and the revocation set.
type Verifier struct {
	pub ed25519.PublicKey

	mu      sync.RWMutex
	revoked map[string]bool
	// operator is the SHA-256 of the operator's token: the registry knows
	// the secret, every other service only its hash (enough to recognise
	// the operator and answer 403 rather than 401).
	operator []byte
	// verified remembers tokens whose signature checked out, so a client
	// polling with one token pays for Ed25519 once (it was 7 % of the
	// stack's CPU under load). Revocation and expiry are still checked on
	// every call.
	verified map[string]Claims
	// Now is the clock expiry is checked against (time.Now).
	Now func() time.Time
}

// maxVerified bounds the cache; it is emptied when full.
const maxVerified = 10_000

// NewVerifier verifies tokens signed by pub's private key.
func NewVerifier(pub ed25519.PublicKey) *Verifier {
	return &Verifier{pub: pub, revoked: map[string]bool{}, verified: map[string]Claims{}, Now: time.Now}
}

// WithOperatorToken also accepts secret as the operator's token. The
// operator's token is a shared secret set at deploy time (API.md's
// AIDFLOW_OPERATOR_TOKEN), so it is compared, not verified.
func (v *Verifier) WithOperatorToken(secret string) *Verifier {
	sum := sha256.Sum256([]byte(secret))
	return v.WithOperatorTokenHash(sum[:])
}

// WithOperatorTokenHash recognises the operator's token by its SHA-256
// (AIDFLOW_OPERATOR_TOKEN_SHA256), so a service that must not hold the
// secret still tells the operator (a valid token, the wrong role: 403)
// from a stranger (401).
func (v *Verifier) WithOperatorTokenHash(sum []byte) *Verifier {
	v.operator = append([]byte(nil), sum...)
	return v
}

var errInvalid = apperr.New(apperr.Unauthorized, "the bearer token is not valid; ask your operator for a new one")

// Verify returns the token's claims, or an Unauthorized error.
func (v *Verifier) Verify(token string) (Claims, error) {
	if sum := sha256.Sum256([]byte(token)); len(v.operator) > 0 && subtle.ConstantTimeCompare(sum[:], v.operator) == 1 {
		return Claims{TokenID: "operator", OrgID: "operator", Role: Operator}, nil
	}
	v.mu.RLock()
	c, cached := v.verified[token]
	v.mu.RUnlock()
	if cached {
		return v.unlessRevoked(c)
	}
	if !strings.HasPrefix(token, prefix) || len(token) > 4096 {
		return Claims{}, errInvalid
	}
	dot := strings.LastIndexByte(token, '.')
	if dot <= len(prefix) {
		return Claims{}, errInvalid
	}
	sig, err := base64.RawURLEncoding.DecodeString(token[dot+1:])
	if err != nil || len(sig) != ed25519.SignatureSize || !ed25519.Verify(v.pub, []byte(token[:dot]), sig) {
		return Claims{}, errInvalid
	}
	raw, err := base64.RawURLEncoding.DecodeString(token[len(prefix):dot])
	if err != nil {
		return Claims{}, errInvalid
	}
	if err := json.Unmarshal(raw, &c); err != nil || c.TokenID == "" || c.OrgID == "" || c.Role == "" {
		return Claims{}, errInvalid
	}
	v.mu.Lock()
	if len(v.verified) >= maxVerified {
		clear(v.verified)
	}
	v.verified[token] = c
	v.mu.Unlock()
	return v.unlessRevoked(c)
}

func (v *Verifier) unlessRevoked(c Claims) (Claims, error) {
	if c.ExpiresAt != 0 && v.Now().Unix() >= c.ExpiresAt {
		return Claims{}, apperr.New(apperr.Unauthorized, "this token expired; ask your operator for a new one")
	}
	if v.Revoked(c.TokenID) {
		return Claims{}, apperr.New(apperr.Unauthorized, "this token was revoked; ask your operator for a new one")
	}
	return c, nil
}

// Revoke refuses tokenID from now on.
func (v *Verifier) Revoke(tokenID string) {
	v.mu.Lock()
	v.revoked[tokenID] = true
	v.mu.Unlock()
}

// Revoked reports whether tokenID was revoked.
func (v *Verifier) Revoked(tokenID string) bool {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return v.revoked[tokenID]
}

// GenerateKey returns a new signing key.
func GenerateKey() (ed25519.PublicKey, ed25519.PrivateKey, error) {
	return ed25519.GenerateKey(rand.Reader)
}

// EncodePrivateKey and EncodePublicKey give the base64 forms used in config.
func EncodePrivateKey(k ed25519.PrivateKey) string {
	return base64.StdEncoding.EncodeToString(k.Seed())
}
func EncodePublicKey(k ed25519.PublicKey) string { return base64.StdEncoding.EncodeToString(k) }

// ParsePrivateKey reads a base64 32-byte seed (AIDFLOW_TOKEN_SIGNING_KEY).
func ParsePrivateKey(s string) (ed25519.PrivateKey, error) {
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil || len(b) != ed25519.SeedSize {
		return nil, fmt.Errorf("must be the base64 of a %d-byte Ed25519 seed", ed25519.SeedSize)
	}
	return ed25519.NewKeyFromSeed(b), nil
}

// ParsePublicKey reads a base64 32-byte public key (AIDFLOW_TOKEN_PUBLIC_KEY).
func ParsePublicKey(s string) (ed25519.PublicKey, error) {
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil || len(b) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("must be the base64 of a %d-byte Ed25519 public key", ed25519.PublicKeySize)
	}
	return ed25519.PublicKey(b), nil
}
