// Package domain holds what the console knows on its own: the sealed
// session a browser carries, and the arithmetic that turns the services'
// answers into the regulator's views (supply against demand, who reports,
// who declines). It holds no data: everything comes from the API.
package domain

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// KeySize is the session key's length: AES-256.
const KeySize = 32

// ErrNoSession means the cookie is absent, altered, sealed with another
// key, or expired: the browser must sign in again.
var ErrNoSession = errors.New("no valid session")

// Session is what the console's cookie carries, sealed: the CSRF token
// every form must echo and, once signed in, the regulator's own API token
// and who it is. A session without a token is a visitor on the sign-in
// page (it still has a CSRF token, so the sign-in form is protected too).
type Session struct {
	Token   string    `json:"t,omitempty"`
	OrgID   string    `json:"o,omitempty"`
	Name    string    `json:"n,omitempty"`
	CSRF    string    `json:"c"`
	Expires time.Time `json:"e"`
}

// SignedIn reports whether the session holds a token.
func (s Session) SignedIn() bool { return s.Token != "" }

// CheckCSRF reports whether a form's token is the session's.
func (s Session) CheckCSRF(got string) bool {
	return s.CSRF != "" && subtle.ConstantTimeCompare([]byte(s.CSRF), []byte(got)) == 1
}

// NewCSRF returns a fresh random CSRF token.
func NewCSRF() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

// NewKey returns a random session key, for a console started without one:
// its sessions end when it restarts, and several replicas must share one
// configured key.
func NewKey() []byte {
	k := make([]byte, KeySize)
	_, _ = rand.Read(k)
	return k
}

// Sealer seals sessions with AES-256-GCM, so a cookie can be neither read
// (it holds a token) nor altered by anyone without the key.
type Sealer struct {
	aead cipher.AEAD
}

// NewSealer returns a sealer with a 32-byte key.
func NewSealer(key []byte) (*Sealer, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("the session key must be %d bytes, not %d", KeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: aead}, nil
}

// cookieContext binds sealed values to their use, so nothing else sealed
// with the same key passes for a session.
var cookieContext = []byte("aidflow.console.session.v1")

// Seal returns s encrypted and authenticated, URL-safe base64.
func (k *Sealer) Seal(s Session) string {
	plain, _ := json.Marshal(s) // a struct of strings and a time always marshals
	nonce := make([]byte, k.aead.NonceSize())
	_, _ = rand.Read(nonce)
	return base64.RawURLEncoding.EncodeToString(k.aead.Seal(nonce, nonce, plain, cookieContext))
}

// Open returns the session sealed in v if it is intact and not expired at now.
func (k *Sealer) Open(v string, now time.Time) (Session, error) {
	raw, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil || len(raw) < k.aead.NonceSize() {
		return Session{}, ErrNoSession
	}
	n := k.aead.NonceSize()
	plain, err := k.aead.Open(nil, raw[:n], raw[n:], cookieContext)
	if err != nil {
		return Session{}, ErrNoSession
	}
	var s Session
	if json.Unmarshal(plain, &s) != nil || s.CSRF == "" || !now.Before(s.Expires) {
		return Session{}, ErrNoSession
	}
	return s, nil
}
