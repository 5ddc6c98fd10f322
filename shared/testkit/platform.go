package testkit

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"testing"
	"time"

	"github.com/aidflow/aidflow/shared/auth"
	"github.com/aidflow/aidflow/shared/platform"
)

// Issuer mints tokens for tests, as the registry would.
type Issuer struct {
	pub    ed25519.PublicKey
	priv   ed25519.PrivateKey
	signer *auth.Signer
}

// NewIssuer returns an issuer with a fresh key pair.
func NewIssuer(tb testing.TB) *Issuer {
	tb.Helper()
	pub, priv, err := auth.GenerateKey()
	if err != nil {
		tb.Fatal(err)
	}
	return &Issuer{pub: pub, priv: priv, signer: auth.NewSigner(priv)}
}

// PublicKey is what services verify the issuer's tokens with.
func (i *Issuer) PublicKey() ed25519.PublicKey { return i.pub }

// PrivateKey is the signing key, for booting a real registry in tests.
func (i *Issuer) PrivateKey() ed25519.PrivateKey { return i.priv }

// Token signs c; an empty TokenID gets a random one.
func (i *Issuer) Token(tb testing.TB, c auth.Claims) string {
	tb.Helper()
	if c.TokenID == "" {
		c.TokenID = c.OrgID + ".tok_" + randomHex(6)
	}
	if c.IssuedAt == 0 {
		c.IssuedAt = time.Now().Unix()
	}
	t, err := i.signer.Sign(c)
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

// Org is a test organization with its token.
type Org struct {
	ID, Role, Region, Token, TokenID string
}

// Org returns a new organization id of role in region with a signed token.
func (i *Issuer) Org(tb testing.TB, role, region string) Org {
	tb.Helper()
	o := Org{ID: "org_" + role[:3] + randomHex(6), Role: role, Region: region}
	o.TokenID = o.ID + ".tok_" + randomHex(6)
	o.Token = i.Token(tb, auth.Claims{TokenID: o.TokenID, OrgID: o.ID, Role: role, Region: region})
	return o
}

// PlatformConfig is a service's platform config on a fresh embedded NATS
// and a fresh database of the shared embedded store, verifying iss's tokens.
func PlatformConfig(tb testing.TB, service string, iss *Issuer) platform.Config {
	tb.Helper()
	return platform.Config{
		Service:        service,
		NATSURL:        NATS(tb).URL(),
		MongoURI:       SharedMongo(tb),
		MongoDB:        DBName(tb),
		TokenPublicKey: iss.PublicKey(),
		LogLevel:       "error",
		StreamReplicas: 1,
		Logger:         nil,
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
