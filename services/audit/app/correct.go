package app

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"unicode/utf8"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/audit/domain"
	"github.com/aidflow/aidflow/shared/apperr"
)

// MaxReasonLength bounds a correction's reason, in characters.
const MaxReasonLength = 2000

// Publisher announces events on the bus.
type Publisher interface {
	Publish(ctx context.Context, e events.Envelope) error
}

// CorrectInput is a correction of a recorded event.
type CorrectInput struct {
	EventID string
	Reason  string
	// Corrected holds the right values of the wrong fields of the event's
	// data, a JSON object; optional (a reason alone may withdraw it).
	Corrected json.RawMessage
	// By is the filing organization; Regulator says it may correct any
	// record, else only those whose envelope names it.
	By        string
	Regulator bool
	// Key is the request's key (httpx.RequestKey) when it carried an
	// Idempotency-Key: the correction's event id derives from it (KeyedID).
	Key string
}

// KeyedID is the event id of a record the audit service makes for a
// request sent with an Idempotency-Key (key is httpx.RequestKey), or ""
// for none: the same request sent again after the process died between
// the append and the idempotency record makes the same event, which the
// log already holds, so it is recorded once and answered as recorded.
func KeyedID(key string) string {
	if key == "" {
		return ""
	}
	h := sha256.Sum256([]byte("audit/" + key))
	return "evt_" + hex.EncodeToString(h[:11])
}

// Correct records a correction: a new record_corrected record pointing at
// the recorded event, which stays as it was. The correction carries the
// original's subject, organization and item, so queries list it beside
// the original, and listing the original names it (corrected_by). It is
// appended at once (the log is its store) and then announced on the bus.
func (a *App) Correct(ctx context.Context, in CorrectInput) (Listed, error) {
	var v apperr.Validation
	in.Reason = strings.TrimSpace(in.Reason)
	v.Check(strings.TrimSpace(in.EventID) != "", "event_id", "is required")
	v.Check(in.Reason != "", "reason", "is required: say what was wrong")
	v.Check(utf8.RuneCountInString(in.Reason) <= MaxReasonLength, "reason", "must be at most 2000 characters")
	if len(in.Corrected) > 0 {
		var obj map[string]json.RawMessage
		v.Check(json.Unmarshal(in.Corrected, &obj) == nil && obj != nil, "corrected", "must be a JSON object of the corrected fields")
		var buf bytes.Buffer
		if json.Compact(&buf, in.Corrected) == nil {
			in.Corrected = buf.Bytes()
		}
	}
	if err := v.Err(); err != nil {
		return Listed{}, err
	}
	i, ok, err := a.Log.EventIndex(ctx, in.EventID)
	if err != nil {
		return Listed{}, err
	}
	if !ok {
		return Listed{}, domain.ErrEventNotRecorded
	}
	r, err := a.Log.Record(ctx, i)
	if err != nil {
		return Listed{}, err
	}
	orig, err := r.Envelope()
	if err != nil {
		return Listed{}, err
	}
	if !in.Regulator && (orig.OrgID == "" || orig.OrgID != in.By) {
		return Listed{}, domain.ErrEventNotRecorded // someone else's record: as if absent
	}
	ev, err := events.New(Source, events.RecordCorrected{
		CorrectsEventID: orig.ID, CorrectsIndex: i, CorrectsType: orig.Type,
		Reason: in.Reason, Corrected: in.Corrected, CorrectedBy: in.By,
	}, events.Meta{ID: KeyedID(in.Key), Subject: orig.Subject, OrgID: orig.OrgID, Item: orig.Item, Time: a.Now()})
	if err != nil {
		return Listed{}, err
	}
	return a.record(ctx, ev, "announce correction")
}

// record appends an event the audit service makes itself (a correction, a
// review) and announces it on its stream. An announcement that fails is
// logged as what, not returned: the event is recorded all the same, the
// log is the record, and followers of the stream miss this one. An event
// the log already holds (a keyed request sent again, KeyedID) is answered
// and announced as recorded (the first try may have died before
// announcing it; the stream drops a repeat by its id).
func (a *App) record(ctx context.Context, ev events.Envelope, what string) (Listed, error) {
	n, appended, err := a.Append(ctx, ev)
	if err != nil {
		return Listed{}, err
	}
	if !appended {
		r, err := a.Log.Record(ctx, n)
		if err != nil {
			return Listed{}, err
		}
		if ev, err = r.Envelope(); err != nil {
			return Listed{}, err
		}
	}
	if a.Publisher != nil {
		if err := a.Publisher.Publish(ctx, ev); err != nil {
			a.Logger.ErrorContext(ctx, what, "index", n, "err", err)
		}
	}
	return Listed{Index: n, Event: ev}, nil
}
