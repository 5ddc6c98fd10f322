package app

import (
	"context"
	"errors"
	"strings"

	"github.com/aidflow/aidflow/services/console/domain"
)

// ErrNotRegulator: the token is valid but not a regulator's. The console
// keeps nothing of it.
var ErrNotRegulator = errors.New("this console is for regulators only; the token belongs to another role")

// ErrNoToken: the sign-in form came without a token.
var ErrNoToken = errors.New("paste your regulator token")

// SignIn checks a pasted token with GET /v1/me and returns who it is. Any
// role but regulator is refused; an invalid or revoked token is refused
// by the API (a *domain.APIError with status 401).
func (a *App) SignIn(ctx context.Context, token string) (domain.Me, error) {
	token = strings.TrimSpace(token)
	if token == "" {
		return domain.Me{}, ErrNoToken
	}
	me, err := a.API.Me(ctx, token)
	if err != nil {
		return domain.Me{}, err
	}
	if me.Role != "regulator" {
		return domain.Me{}, ErrNotRegulator
	}
	return me, nil
}
