package domain

import (
	"cmp"
	"slices"
)

// SourceStats counts one source organization's allocations by status:
// how much it was given and how it answered (who declines most).
type SourceStats struct {
	SourceOrgID string
	SourceKind  string
	// ByStatus counts allocations by their current status.
	ByStatus map[string]int
	Total    int
}

// SourceStats counts every allocation in the book by source organization
// and kind, ordered by organization then kind.
func (b *Book) SourceStats() []SourceStats {
	type key struct{ org, kind string }
	b.mu.RLock()
	byKey := map[key]*SourceStats{}
	for _, a := range b.allocs {
		k := key{a.SourceOrgID, a.SourceKind}
		s := byKey[k]
		if s == nil {
			s = &SourceStats{SourceOrgID: a.SourceOrgID, SourceKind: a.SourceKind, ByStatus: map[string]int{}}
			byKey[k] = s
		}
		s.ByStatus[a.Status]++
		s.Total++
	}
	b.mu.RUnlock()
	out := make([]SourceStats, 0, len(byKey))
	for _, s := range byKey {
		out = append(out, *s)
	}
	slices.SortFunc(out, func(x, y SourceStats) int {
		return cmp.Or(cmp.Compare(x.SourceOrgID, y.SourceOrgID), cmp.Compare(x.SourceKind, y.SourceKind))
	})
	return out
}
