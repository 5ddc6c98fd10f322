package domain

import "github.com/aidflow/aidflow/shared/auth"

// Viewer is who asks to read needs: an organization and its role.
type Viewer struct {
	OrgID string
	Role  string
}

// CanRead reports whether the viewer may read the need, its private note
// included: its own hospital and regulators. Anyone else is told the need
// does not exist, so ids cannot be probed.
func (n Need) CanRead(v Viewer) bool {
	return v.Role == auth.Regulator || (v.Role == auth.Hospital && v.OrgID == n.HospitalID)
}

// ListFilter selects needs for a list. HospitalID empty means every
// hospital's (regulators only); Status and Item empty mean any.
type ListFilter struct {
	HospitalID string
	Status     string
	Item       string
}

// Match reports whether n passes the filter.
func (f ListFilter) Match(n Need) bool {
	return (f.HospitalID == "" || n.HospitalID == f.HospitalID) &&
		(f.Status == "" || n.Status == f.Status) &&
		(f.Item == "" || n.Item == f.Item)
}
