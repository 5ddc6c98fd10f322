package stack

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/aidflow/aidflow/shared/auth"
)

// Keys are the local stack's secrets, generated on first start and kept
// in the data directory so tokens stay valid across restarts.
type Keys struct {
	TokenSigningKey string `json:"token_signing_key"` // base64 Ed25519 seed
	AuditSigningKey string `json:"audit_signing_key"` // base64 Ed25519 seed
	OperatorToken   string `json:"operator_token"`
}

// TokenPublicKey is the base64 public key every service verifies with.
func (k Keys) TokenPublicKey() (string, error) {
	priv, err := auth.ParsePrivateKey(k.TokenSigningKey)
	if err != nil {
		return "", err
	}
	return auth.EncodePublicKey(priv.Public().(ed25519.PublicKey)), nil
}

// LoadOrCreateKeys reads dir/keys.json or writes a new one (mode 0600).
func LoadOrCreateKeys(dir string) (Keys, error) {
	path := filepath.Join(dir, "keys.json")
	var k Keys
	raw, err := os.ReadFile(path)
	switch {
	case err == nil:
		if err := json.Unmarshal(raw, &k); err != nil {
			return k, fmt.Errorf("%s is damaged (%w); remove it to start with new keys (old tokens stop working)", path, err)
		}
		return k, nil
	case !errors.Is(err, os.ErrNotExist):
		return k, err
	}
	k = Keys{TokenSigningKey: newSeed(), AuditSigningKey: newSeed(), OperatorToken: "op_" + randomHex(24)}
	raw, _ = json.MarshalIndent(k, "", "  ")
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		return k, err
	}
	return k, nil
}

func newSeed() string {
	b := make([]byte, ed25519.SeedSize)
	_, _ = rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
