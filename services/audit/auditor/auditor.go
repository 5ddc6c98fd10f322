// Package auditor is what an outside auditor runs against the audit log,
// trusting nothing but the log's published verifier key: it checks a
// whole export of the log (JSON lines of records as GET /v1/audit/events
// serves them) against the signed checkpoints, and single inclusion or
// consistency proofs against the checkpoint they end in. cmd/verify is its
// command line.
package auditor

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/audit/domain"
)

// Line is one record of an export, as GET /v1/audit/events serves it: the
// recorded envelope with its log index.
type Line struct {
	Index int64 `json:"index"`
	events.Envelope
}

// Record is an export's record: its claimed index and the bytes the log
// hashed (domain.Canonical of the envelope, which the service stores and
// serves unchanged, so re-encoding the served envelope gives them back).
type Record struct {
	Index int64
	Data  []byte
}

// ReadExport reads JSON lines of records. Blank lines are skipped; a line
// that is not a record is an error naming its line number.
func ReadExport(r io.Reader) ([]Record, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	var out []Record
	for n := 1; sc.Scan(); n++ {
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		var l Line
		if err := json.Unmarshal(b, &l); err != nil {
			return nil, fmt.Errorf("export line %d: %w", n, err)
		}
		rec, err := l.Record()
		if err != nil {
			return nil, fmt.Errorf("export line %d: %w", n, err)
		}
		out = append(out, rec)
	}
	return out, sc.Err()
}

// Record returns the line's record bytes.
func (l Line) Record() (Record, error) {
	data, err := domain.Canonical(l.Envelope)
	if err != nil {
		return Record{}, err
	}
	return Record{Index: l.Index, Data: data}, nil
}

// WriteExport writes records as JSON lines, the form ReadExport reads.
func WriteExport(w io.Writer, lines []Line) error {
	enc := json.NewEncoder(w)
	for _, l := range lines {
		if err := enc.Encode(l); err != nil {
			return err
		}
	}
	return nil
}

// Prover gives consistency proofs from a tree of size from to the signed
// tree of size to (GET /v1/audit/proof/consistency). Its answers are
// checked against the signed root, so it need not be trusted; it only
// lets the auditor find the first bad record between two checkpoints.
type Prover interface {
	Consistency(ctx context.Context, from, to int64) (tlog.TreeProof, error)
}

// Result is the verdict on an export.
type Result struct {
	OK bool `json:"ok"`
	// Records is the number of records in the export.
	Records int64 `json:"records"`
	// RootHash is the root of the export's records, when they are intact.
	RootHash string `json:"root_hash,omitempty"`
	// Signed is the size of the largest checkpoint the export was checked
	// against; records from there on are not yet covered by a signature.
	Signed int64 `json:"signed"`
	// Checkpoints counts the checkpoints checked.
	Checkpoints int `json:"checkpoints"`
	// FirstBadIndex is the first record that is wrong or missing.
	FirstBadIndex *int64 `json:"first_bad_index,omitempty"`
	// Exact is false when FirstBadIndex is only the lower bound of a range
	// (no Prover to narrow it down); Detail gives the range.
	Exact  bool   `json:"exact,omitempty"`
	Detail string `json:"detail,omitempty"`
}

func (r *Result) bad(i int64, exact bool, format string, args ...any) Result {
	r.OK = false
	r.FirstBadIndex = &i
	r.Exact = exact
	r.RootHash = ""
	r.Detail = fmt.Sprintf(format, args...)
	return *r
}

// tree is an in-memory RFC 6962 tree of the export's records.
type tree struct{ stored []tlog.Hash }

func (t *tree) ReadHashes(idx []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(idx))
	for i, s := range idx {
		if s < 0 || s >= int64(len(t.stored)) {
			return nil, fmt.Errorf("storage index %d beyond the export", s)
		}
		out[i] = t.stored[s]
	}
	return out, nil
}

func (t *tree) root(n int64) tlog.Hash {
	h, err := tlog.TreeHash(n, t)
	if err != nil {
		panic(err) // n never exceeds the records hashed
	}
	return h
}

// VerifyExport checks an export against checkpoints already opened with
// the log's verifier key (OpenCheckpoints):
//
//   - the records must be indexed 0, 1, 2, … in order, each event once: a
//     deleted, repeated or moved record is named where the sequence breaks;
//   - the first size records must hash to each checkpoint's root: an
//     edited record, or records deleted or reordered and renumbered, break
//     the first checkpoint after them. The first bad record lies between
//     the last checkpoint that holds and the first that does not; with a
//     Prover, consistency proofs of the export's own prefixes against the
//     failing checkpoint find it exactly (binary search, log₂ n proofs);
//   - the export must reach every checkpoint: one cut short is named at
//     its first missing index.
//
// Records past the largest checkpoint are not covered by any signature;
// Signed says where that begins.
func VerifyExport(ctx context.Context, recs []Record, cps []domain.Checkpoint, prover Prover) (Result, error) {
	res := Result{Records: int64(len(recs)), Exact: true}
	cps = slices.Clone(cps)
	slices.SortFunc(cps, func(a, b domain.Checkpoint) int { return cmp.Compare(a.Size, b.Size) })

	// The sequence: the first position whose record is not the next index,
	// or repeats an event.
	limit := int64(len(recs))
	seqDetail := ""
	seen := make(map[string]int64, len(recs))
	for k, r := range recs {
		k := int64(k)
		if r.Index != k {
			limit, seqDetail = k, fmt.Sprintf("the record at position %d has index %d: a record is missing, repeated or out of order", k, r.Index)
			break
		}
		var id struct {
			ID string `json:"id"`
		}
		_ = json.Unmarshal(r.Data, &id)
		if j, dup := seen[id.ID]; dup && id.ID != "" {
			limit, seqDetail = k, fmt.Sprintf("record %d repeats event %s, already at %d", k, id.ID, j)
			break
		}
		seen[id.ID] = k
	}

	t := &tree{stored: make([]tlog.Hash, 0, tlog.StoredHashCount(limit))}
	for n := range limit {
		hs, err := tlog.StoredHashes(n, recs[n].Data, t)
		if err != nil {
			return Result{}, err
		}
		t.stored = append(t.stored, hs...)
	}

	good := int64(0) // the largest size known to agree with a signature
	for _, cp := range cps {
		if cp.Size > limit {
			if limit < res.Records {
				return res.bad(limit, true, "%s", seqDetail), nil
			}
			return res.bad(limit, true, "the export ends at %d records but a checkpoint was signed over %d: records from index %d are missing", limit, cp.Size, limit), nil
		}
		res.Checkpoints++
		if t.root(cp.Size) == cp.Root {
			good, res.Signed = cp.Size, cp.Size
			continue
		}
		if prover == nil {
			return res.bad(good, false, "the first %d records do not hash to the root signed at that size: a record from index %d to %d is wrong (give a prover to name it)", cp.Size, good, cp.Size-1), nil
		}
		first, err := firstBad(ctx, t, cp, good, prover)
		if err != nil {
			return Result{}, err
		}
		return res.bad(first, true, "record %d differs from the one signed in the checkpoint of size %d", first, cp.Size), nil
	}
	if limit < res.Records {
		return res.bad(limit, true, "%s", seqDetail), nil
	}
	res.OK = true
	res.RootHash = t.root(limit).String()
	if res.Signed < res.Records {
		res.Detail = fmt.Sprintf("records from index %d are not yet covered by a checkpoint", res.Signed)
	}
	return res, nil
}

// firstBad finds the largest m in [good, cp.Size) whose prefix of the
// export is consistent with cp; record m is the first bad one. Prefix
// consistency is monotone: once a record differs, every longer prefix
// does too.
func firstBad(ctx context.Context, t *tree, cp domain.Checkpoint, good int64, prover Prover) (int64, error) {
	lo, hi := good, cp.Size // prefix lo agrees; prefix hi does not
	for hi-lo > 1 {
		m := lo + (hi-lo)/2
		p, err := prover.Consistency(ctx, m, cp.Size)
		if err != nil {
			return 0, fmt.Errorf("consistency proof %d→%d: %w", m, cp.Size, err)
		}
		if tlog.CheckTree(p, cp.Size, cp.Root, m, t.root(m)) == nil {
			lo = m
		} else {
			hi = m
		}
	}
	return lo, nil
}

// OpenCheckpoints opens signed notes with the log's verifier key; one
// that does not open is an error: the checkpoints are the trust anchor.
// Two that disagree on the same size are an error too (a forked log).
func OpenCheckpoints(notes [][]byte, vkey string) ([]domain.Checkpoint, error) {
	if len(notes) == 0 {
		return nil, errors.New("no checkpoints: an export proves nothing without a signed checkpoint to check it against")
	}
	bySize := map[int64]domain.Checkpoint{}
	var out []domain.Checkpoint
	for i, n := range notes {
		cp, err := domain.OpenCheckpoint(n, vkey)
		if err != nil {
			return nil, fmt.Errorf("checkpoint %d does not verify with the key: %w", i, err)
		}
		if cp.Origin != domain.Origin {
			return nil, fmt.Errorf("checkpoint %d is for log %q, not %q", i, cp.Origin, domain.Origin)
		}
		if prev, ok := bySize[cp.Size]; ok {
			if prev.Root != cp.Root {
				return nil, fmt.Errorf("two checkpoints of size %d sign different roots: the log forked", cp.Size)
			}
			continue
		}
		bySize[cp.Size] = cp
		out = append(out, cp)
	}
	return out, nil
}

// ErrProof is a proof that does not check.
var ErrProof = errors.New("the proof does not check against the signed checkpoint")

// CheckInclusion checks an inclusion proof (as GET
// /v1/audit/proof/inclusion serves it) with the verifier key alone.
func CheckInclusion(p InclusionProof, vkey string) (domain.Checkpoint, error) {
	cp, err := domain.OpenCheckpoint([]byte(p.Checkpoint.Note), vkey)
	if err != nil {
		return domain.Checkpoint{}, fmt.Errorf("the proof's checkpoint: %w", err)
	}
	proof, err := parseHashes(p.Proof)
	if err != nil {
		return domain.Checkpoint{}, err
	}
	if err := tlog.CheckRecord(proof, cp.Size, cp.Root, p.Index, tlog.RecordHash(p.Record)); err != nil {
		return cp, fmt.Errorf("%w: record %d: %w", ErrProof, p.Index, err)
	}
	return cp, nil
}

// CheckConsistency checks a consistency proof (as GET
// /v1/audit/proof/consistency serves it) with the verifier key alone:
// both ends must be signed checkpoints (give the earlier one as from when
// the answer has no from_checkpoint).
func CheckConsistency(p ConsistencyProof, from *CheckpointJSON, vkey string) (old, cur domain.Checkpoint, err error) {
	if from == nil {
		from = p.FromCheckpoint
	}
	if from == nil {
		return old, cur, errors.New("no checkpoint of the earlier size to check the proof from")
	}
	if old, err = domain.OpenCheckpoint([]byte(from.Note), vkey); err != nil {
		return old, cur, fmt.Errorf("the earlier checkpoint: %w", err)
	}
	if cur, err = domain.OpenCheckpoint([]byte(p.ToCheckpoint.Note), vkey); err != nil {
		return old, cur, fmt.Errorf("the later checkpoint: %w", err)
	}
	proof, err := parseHashes(p.Proof)
	if err != nil {
		return old, cur, err
	}
	if old.Size != p.From || cur.Size != p.To {
		return old, cur, fmt.Errorf("%w: the proof is %d→%d, the checkpoints %d→%d", ErrProof, p.From, p.To, old.Size, cur.Size)
	}
	if old.Size == 0 {
		return old, cur, nil // the empty tree is a prefix of every tree
	}
	if err := tlog.CheckTree(proof, cur.Size, cur.Root, old.Size, old.Root); err != nil {
		return old, cur, fmt.Errorf("%w: %d→%d: %w", ErrProof, old.Size, cur.Size, err)
	}
	return old, cur, nil
}

func parseHashes(in []string) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(in))
	for i, s := range in {
		h, err := tlog.ParseHash(s)
		if err != nil {
			return nil, fmt.Errorf("proof hash %d: %w", i, err)
		}
		out[i] = h
	}
	return out, nil
}
