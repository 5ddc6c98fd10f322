package domain

import (
	"fmt"
	"slices"

	"golang.org/x/mod/sumdb/tlog"
)

// Verification is the verdict on the stored log (GET /v1/audit/verify).
type Verification struct {
	OK bool `json:"ok"`
	// Size is the number of records the log holds.
	Size int64 `json:"size"`
	// RootHash is the root of the first Size records: recomputed from them
	// when OK, else as the stored tree gives it ("" if it cannot).
	RootHash string `json:"root_hash"`
	// Checked counts the records recomputed and found intact, from index 0.
	Checked int64 `json:"checked"`
	// FirstBadIndex is the first record that does not match, when known.
	FirstBadIndex *int64 `json:"first_bad_index,omitempty"`
	Detail        string `json:"detail,omitempty"`
}

// LogContent is what Verify reads: each record's leaf hash as recomputed
// from its stored bytes, and the stored hashes of the tree.
type LogContent struct {
	Size int64
	// Leaf returns tlog.RecordHash of the stored record at index i, false
	// when the record is missing.
	Leaf func(i int64) (tlog.Hash, bool)
	// Stored returns the stored tree hash at storage index s.
	Stored func(s int64) (tlog.Hash, bool)
}

// Verify checks a whole log held in memory (a Checker fed every record in
// order); its second result is the root of the first rootAt records (zero
// unless the log is intact and rootAt is within it).
func Verify(c LogContent, rootAt int64) (Verification, tlog.Hash) {
	k := NewChecker(c.Size, rootAt)
	for n := int64(0); n < c.Size; n++ {
		leaf, ok := c.Leaf(n)
		if !k.Add(leaf, ok, c.Stored) {
			break
		}
	}
	return k.Result(c.Stored)
}

// Checker recomputes the tree record by record, in log order, and compares
// every hash that record's append stored. The first record whose
// recomputed hashes differ from the stored ones (or that is missing) is the
// first bad index: an edited record changes its leaf, a deleted one leaves
// a hole, reordered records change both leaves, and a rewritten stored
// tree no longer matches the records.
//
// It holds only the tree's frontier (the roots of its complete subtrees, at
// most 64 hashes), so a log of any size is checked in constant memory by a
// caller that reads records in batches.
//
// A consistent rewrite of records and tree together is not caught here;
// CheckAgainst compares with a signed checkpoint for that.
type Checker struct {
	size, next, rootAt int64
	// frontier holds the roots of the complete subtrees, by storage index
	// (at most one per level).
	frontier []frontierHash
	v        Verification
	failed   bool
	atRoot   tlog.Hash
}

// NewChecker checks a log of size records; the root of the first rootAt
// records is kept for CheckAgainst (0: none).
func NewChecker(size, rootAt int64) *Checker {
	return &Checker{size: size, rootAt: rootAt, frontier: make([]frontierHash, 0, 64), v: Verification{Size: size}}
}

type frontierHash struct {
	index int64
	hash  tlog.Hash
}

func (c *Checker) lookup(s int64) (tlog.Hash, bool) {
	for _, e := range c.frontier {
		if e.index == s {
			return e.hash, true
		}
	}
	return tlog.Hash{}, false
}

// Next is the index of the record Add takes next.
func (c *Checker) Next() int64 { return c.next }

// Done says no more records are wanted: all were checked, or one failed.
func (c *Checker) Done() bool { return c.failed || c.next >= c.size }

func (c *Checker) reader() tlog.HashReader {
	return tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, s := range idx {
			h, ok := c.lookup(s)
			if !ok {
				return nil, fmt.Errorf("storage index %d is not on the tree's frontier", s)
			}
			out[i] = h
		}
		return out, nil
	})
}

func (c *Checker) bad(n int64, format string, args ...any) bool {
	c.failed = true
	c.v.FirstBadIndex = &n
	c.v.Detail = fmt.Sprintf(format, args...)
	return false
}

// Add checks the next record: its leaf hash (ok false when it is missing)
// and the hashes stored with its append, read through stored. It returns
// false once the log is found bad.
func (c *Checker) Add(leaf tlog.Hash, ok bool, stored func(s int64) (tlog.Hash, bool)) bool {
	if c.Done() {
		return !c.failed
	}
	n := c.next
	if !ok {
		return c.bad(n, "record %d is missing", n)
	}
	hashes, err := tlog.StoredHashesForRecordHash(n, leaf, c.reader())
	if err != nil {
		return c.bad(n, "record %d: %v", n, err)
	}
	start := tlog.StoredHashIndex(0, n)
	for k, h := range hashes {
		s, ok := stored(start + int64(k))
		if !ok {
			return c.bad(n, "the tree hash at storage index %d, written with record %d, is missing", start+int64(k), n)
		}
		if s != h {
			if k == 0 {
				return c.bad(n, "record %d does not match the hash stored when it was appended", n)
			}
			return c.bad(n, "the tree stored with record %d does not match the records", n)
		}
	}
	// The frontier of n+1 records: the root of each complete subtree of
	// the decomposition of n+1 (level l where bit l of n+1 is set). These
	// are the only hashes a later append or the root reads.
	size := n + 1
	var keep [64]int64
	nk := 0
	for l := 0; l < 63; l++ {
		if size&(1<<l) != 0 {
			keep[nk] = tlog.StoredHashIndex(l, size>>l-1)
			nk++
		}
	}
	kept := func(s int64) bool {
		for _, k := range keep[:nk] {
			if k == s {
				return true
			}
		}
		return false
	}
	c.frontier = slices.DeleteFunc(c.frontier, func(e frontierHash) bool { return !kept(e.index) })
	for k, h := range hashes {
		if s := start + int64(k); kept(s) {
			c.frontier = append(c.frontier, frontierHash{s, h})
		}
	}
	c.next, c.v.Checked = size, size
	if size == c.rootAt {
		if c.atRoot, err = tlog.TreeHash(size, c.reader()); err != nil {
			return c.bad(n, "root of %d records: %v", size, err)
		}
	}
	return true
}

// Result is the verdict once Done (or the first record not yet added is
// named missing); stored gives the stored root when the log is bad. The
// second result is the root of the first rootAt records, zero when not
// reached.
func (c *Checker) Result(stored func(s int64) (tlog.Hash, bool)) (Verification, tlog.Hash) {
	if !c.failed && c.next < c.size {
		c.bad(c.next, "record %d is missing", c.next)
	}
	v := c.v
	if c.failed {
		v.RootHash = storedRoot(c.size, stored)
		return v, tlog.Hash{}
	}
	root, err := tlog.TreeHash(c.size, c.reader())
	if err != nil {
		c.bad(c.size, "root: %v", err)
		return c.v, tlog.Hash{}
	}
	v.OK = true
	v.RootHash = root.String()
	if c.rootAt == 0 {
		return v, tlog.Hash{}
	}
	if c.rootAt == c.size {
		return v, root
	}
	return v, c.atRoot
}

// CheckAgainst compares a log that Verify found intact with a signed
// checkpoint, given the recomputed root of its first cp.Size records: it
// catches records rewritten together with their stored tree, and a log cut
// shorter than it once was.
func CheckAgainst(v Verification, rootAtCP tlog.Hash, cp Checkpoint) Verification {
	if !v.OK {
		return v
	}
	if cp.Size > v.Size {
		n := v.Size
		v.OK = false
		v.FirstBadIndex = &n
		v.Detail = fmt.Sprintf("the log holds %d records but a checkpoint was signed over %d: records from index %d are gone", v.Size, cp.Size, n)
		return v
	}
	if cp.Size > 0 && rootAtCP != cp.Root {
		v.OK = false
		v.Detail = fmt.Sprintf("the first %d records no longer hash to the root signed in the checkpoint of that size", cp.Size)
	}
	return v
}

func storedRoot(size int64, stored func(s int64) (tlog.Hash, bool)) string {
	root, err := tlog.TreeHash(size, tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, s := range idx {
			h, ok := stored(s)
			if !ok {
				return nil, ErrHashNotFound
			}
			out[i] = h
		}
		return out, nil
	}))
	if err != nil {
		return ""
	}
	return root.String()
}
