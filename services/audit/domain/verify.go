package domain

import (
	"fmt"

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

// Verify recomputes the whole tree from the records' leaf hashes, record
// by record in log order, and compares every hash that record's append
// stored. The first record whose recomputed hashes differ from the stored
// ones (or that is missing) is the first bad index: an edited record
// changes its leaf, a deleted one leaves a hole, reordered records change
// both leaves, and a rewritten stored tree no longer matches the records.
//
// A consistent rewrite of records and tree together is not caught here;
// CheckAgainst compares with a signed checkpoint for that.
func Verify(c LogContent) (Verification, []tlog.Hash) {
	recomputed := make([]tlog.Hash, tlog.StoredHashIndex(0, c.Size))
	reader := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, s := range idx {
			if s >= int64(len(recomputed)) {
				return nil, fmt.Errorf("storage index %d beyond the tree", s)
			}
			out[i] = recomputed[s]
		}
		return out, nil
	})
	v := Verification{Size: c.Size}
	bad := func(n int64, format string, args ...any) (Verification, []tlog.Hash) {
		v.FirstBadIndex = &n
		v.Detail = fmt.Sprintf(format, args...)
		v.RootHash = storedRoot(c)
		return v, nil
	}
	for n := int64(0); n < c.Size; n++ {
		leaf, ok := c.Leaf(n)
		if !ok {
			return bad(n, "record %d is missing", n)
		}
		hashes, err := tlog.StoredHashesForRecordHash(n, leaf, reader)
		if err != nil {
			return bad(n, "record %d: %v", n, err)
		}
		start := tlog.StoredHashIndex(0, n)
		for k, h := range hashes {
			s, ok := c.Stored(start + int64(k))
			if !ok {
				return bad(n, "the tree hash at storage index %d, written with record %d, is missing", start+int64(k), n)
			}
			if s != h {
				if k == 0 {
					return bad(n, "record %d does not match the hash stored when it was appended", n)
				}
				return bad(n, "the tree stored with record %d does not match the records", n)
			}
			recomputed[start+int64(k)] = h
		}
		v.Checked = n + 1
	}
	root, err := tlog.TreeHash(c.Size, reader)
	if err != nil {
		return bad(c.Size, "root: %v", err)
	}
	v.OK = true
	v.RootHash = root.String()
	return v, recomputed
}

// CheckAgainst compares a log that Verify found intact (its recomputed
// hashes) with a signed checkpoint: the first cp.Size records must still
// hash to the signed root. It catches records rewritten together with
// their stored tree, and a log cut shorter than it once was.
func CheckAgainst(v Verification, recomputed []tlog.Hash, cp Checkpoint) Verification {
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
	root, err := tlog.TreeHash(cp.Size, tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, s := range idx {
			out[i] = recomputed[s]
		}
		return out, nil
	}))
	if err != nil || root != cp.Root {
		v.OK = false
		v.Detail = fmt.Sprintf("the first %d records no longer hash to the root signed in the checkpoint of that size", cp.Size)
	}
	return v
}

func storedRoot(c LogContent) string {
	root, err := tlog.TreeHash(c.Size, tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, s := range idx {
			h, ok := c.Stored(s)
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
