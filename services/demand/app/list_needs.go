package app

import (
	"github.com/aidflow/aidflow/services/demand/domain"
	"github.com/aidflow/aidflow/shared/auth"
)

// ListNeeds returns a page of needs, newest first, from the index: a
// hospital's own, or for a regulator every hospital's. after is the key
// of the last need already seen; next is empty on the last page.
func (a *App) ListNeeds(v domain.Viewer, f domain.ListFilter, after string, limit int) (needs []domain.Need, next string, err error) {
	f.HospitalID = ""
	if v.Role != auth.Regulator {
		f.HospitalID = v.OrgID
	}
	return a.Index.List(f, after, limit)
}
