package app

import (
	"context"
	"errors"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/audit/domain"
)

// Listed is a recorded event with its index.
type Listed struct {
	Index int64
	Event events.Envelope
	// CorrectedBy are the indexes of the records that correct this one.
	CorrectedBy []int64
}

// ListEvents returns up to q.Limit recorded events matching q, in log
// order, and whether more follow. The index picks the records; each is
// then read by its key.
func (a *App) ListEvents(ctx context.Context, q domain.Query) ([]Listed, bool, error) {
	limit := q.Limit
	q.Limit++
	a.mu.Lock()
	idx := a.index.Find(q)
	corrections := map[int64][]int64{}
	for _, i := range idx {
		if c := a.index.CorrectedBy(i); len(c) > 0 {
			corrections[i] = c
		}
	}
	a.mu.Unlock()
	more := len(idx) > limit
	if more {
		idx = idx[:limit]
	}
	out := make([]Listed, 0, len(idx))
	for _, i := range idx {
		r, err := a.Log.Record(ctx, i)
		if errors.Is(err, domain.ErrRecordNotFound) {
			continue // deleted behind our back; verify reports it
		}
		if err != nil {
			return nil, false, err
		}
		e, err := r.Envelope()
		if err != nil {
			continue // altered beyond decoding; verify reports it
		}
		out = append(out, Listed{Index: i, Event: e, CorrectedBy: corrections[i]})
	}
	return out, more, nil
}
