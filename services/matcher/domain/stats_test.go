package domain_test

import (
	"testing"
)

func TestSourceStats(t *testing.T) {
	b := bookWith(t, al("a1", "cap1", "declined", 5, 0), al("a2", "cap1", "declined", 4, 0), al("a3", "cap1", "accepted", 2, 0),
		al("a4", "don1/0", "delivered", 3, 3))
	got := b.SourceStats()
	// al() names m1 as every source's organization: one row per kind.
	if len(got) != 2 {
		t.Fatalf("got %+v", got)
	}
	c, d := got[0], got[1]
	if c.SourceOrgID != "m1" || c.SourceKind != "capacity" || c.Total != 3 || c.ByStatus["declined"] != 2 || c.ByStatus["accepted"] != 1 {
		t.Errorf("capacity row %+v", c)
	}
	if d.SourceKind != "donation" || d.Total != 1 || d.ByStatus["delivered"] != 1 {
		t.Errorf("donation row %+v", d)
	}
	if len(bookWith(t).SourceStats()) != 0 {
		t.Error("an empty book has statistics")
	}
}
