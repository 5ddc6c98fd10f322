package app

import "context"

// OrgNames maps organization ids to their registered names (GET
// /v1/orgs), so pages name who reported, declined or should act rather
// than show bare ids. Regulators may list organizations; the names are
// not shown publicly.
func (a *App) OrgNames(ctx context.Context, token string) (map[string]string, error) {
	orgs, _, err := a.API.Orgs(ctx, token, a.MaxRead)
	if err != nil {
		return nil, err
	}
	names := make(map[string]string, len(orgs))
	for _, o := range orgs {
		names[o.ID] = o.Name
	}
	return names, nil
}
