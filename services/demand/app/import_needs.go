package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"

	"github.com/aidflow/aidflow/services/demand/domain"
	"github.com/aidflow/aidflow/shared/apperr"
)

// ImportNeeds posts many needs at once, all or nothing as far as input
// goes: every row is validated (the anti-hoarding rule included, counting
// the file's earlier rows) before any is written, and if any row fails,
// none is written and the 422 lists each failing row's errors as
// rows[<line>].<field>.
//
// key, when not empty (the request's Idempotency-Key), makes the needs'
// ids a function of the hospital, the key and the line, so a retry after a
// failure part-way through the writes (the store has no transactions)
// creates only the rows still missing and answers the others as stored.
func (a *App) ImportNeeds(ctx context.Context, by domain.Poster, key string, rows []domain.ImportRow) ([]domain.Need, error) {
	now := a.now()
	type row struct {
		line int
		need domain.Need
	}
	var bad []apperr.FieldError
	var valid []row
	var items []string
	for _, r := range rows {
		n, err := domain.NewNeed(r.Input, by, now)
		if err != nil {
			bad = append(bad, prefixed(r.Line, err)...)
			continue
		}
		if key != "" {
			n.ID = keyedID(by.HospitalID, key, r.Line)
		}
		valid = append(valid, row{r.Line, n})
		if !slices.Contains(items, n.Item) {
			items = append(items, n.Item)
		}
	}
	// Lock every item of the file in one order, so two imports (or an
	// import and a post) can neither deadlock nor slip under the limit
	// together.
	slices.Sort(items)
	for _, item := range items {
		unlock := a.locks.Lock(holdKey(by.HospitalID, item))
		defer unlock()
	}
	adding := map[string]int64{}
	for _, r := range valid {
		if _, written := a.Index.Get(r.need.ID); written {
			continue // by an earlier try of this import: already counted as held
		}
		n := r.need
		if err := a.checkHoarding(FieldOfRow(r.line, "quantity"), n.HospitalID, n.Item, adding[n.Item]+n.Quantity); err != nil {
			bad = append(bad, apperr.As(err).Fields...)
			continue
		}
		adding[n.Item] += n.Quantity
	}
	if len(bad) > 0 {
		return nil, &apperr.Error{Code: apperr.Unprocessable, Fields: bad,
			Message: fmt.Sprintf("%d problem(s) in the file, listed in errors by row; nothing was created. Fix them and send the whole file again", len(bad))}
	}
	out := make([]domain.Need, 0, len(valid))
	for _, r := range valid {
		n := r.need
		if held, ok := a.Index.Get(n.ID); ok {
			out = append(out, held)
			continue
		}
		err := a.create(ctx, &n, now)
		if errors.Is(err, domain.ErrNeedExists) {
			held, gerr := a.Needs.Get(ctx, n.ID)
			if gerr != nil {
				return nil, gerr
			}
			a.Index.Put(held)
			out = append(out, held)
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("import: %d of %d needs written, then: %w", len(out), len(valid), err)
		}
		out = append(out, n)
	}
	return out, nil
}

// FieldOfRow names a row's field in an import's errors.
func FieldOfRow(line int, field string) string { return fmt.Sprintf("rows[%d].%s", line, field) }

// prefixed turns a row's validation error into field errors named by row.
func prefixed(line int, err error) []apperr.FieldError {
	e := apperr.As(err)
	if len(e.Fields) == 0 {
		return []apperr.FieldError{{Field: fmt.Sprintf("rows[%d]", line), Message: e.Message}}
	}
	out := make([]apperr.FieldError, 0, len(e.Fields))
	for _, f := range e.Fields {
		out = append(out, apperr.FieldError{Field: FieldOfRow(line, f.Field), Message: f.Message})
	}
	return out
}

// keyedID is the id of a need sent with an Idempotency-Key: posted alone
// (line 0) or on a line of an import.
func keyedID(hospitalID, key string, line int) string {
	h := sha256.Sum256(fmt.Appendf(nil, "%s\x00%s\x00%d", hospitalID, key, line))
	return "need_" + hex.EncodeToString(h[:10])
}
