// Package app holds the registry's use cases, one file each.
package app

import (
	"time"

	"github.com/aidflow/aidflow/services/registry/domain"
	"github.com/aidflow/aidflow/shared/auth"
)

// Source is the event source name of this service.
const Source = "registry"

// App is the registry's use cases over a repository and the token signer.
type App struct {
	Orgs   domain.Repository
	Signer *auth.Signer
	Now    func() time.Time
}

// New returns the use cases.
func New(orgs domain.Repository, signer *auth.Signer) *App {
	return &App{Orgs: orgs, Signer: signer, Now: time.Now}
}

// IssuedToken is a new token and its id.
type IssuedToken struct {
	TokenID string `json:"token_id"`
	Token   string `json:"token"`
}

// sign makes the token t of o. Issued at the token's creation, it is the
// same string each time it is signed, so a request answered again after a
// crash (see RegisterOrg) gives the token the first try created.
func (a *App) sign(o domain.Org, t domain.Token) (string, error) {
	return a.Signer.Sign(auth.Claims{TokenID: t.ID, OrgID: o.ID, Role: o.Role, Region: o.Region, IssuedAt: t.CreatedAt.Unix()})
}
