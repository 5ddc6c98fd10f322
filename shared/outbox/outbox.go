// Package outbox makes a state change and its events one write.
//
// The database has no multi-document transactions here (FerretDB), so the
// pending events are written into the same document as the state change,
// in an `outbox` array. A Relay then publishes them to JetStream (with the
// event id as Nats-Msg-Id) and removes exactly those entries with $pullAll.
// A crash between the write and the publish leaves the events in the
// document; the relay's start-up sweep publishes them. A crash between the
// publish and the removal publishes them again; JetStream's duplicate window
// and the consumers' processed records absorb the repeat.
// (Watermill's transactional-events-forwarder is the model.)
package outbox

import (
	"context"
	"encoding/json"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/shared/failpoint"
)

// Field is the name of the outbox array in an aggregate document.
const Field = "outbox"

// Entry is one pending event. Its fields are compared whole by $pullAll, so
// their set and order never change once written.
type Entry struct {
	ID      string `bson:"id"`
	Subject string `bson:"subject"`
	Payload string `bson:"payload"`
}

// Entries encodes events as outbox entries.
func Entries(evs ...events.Envelope) ([]Entry, error) {
	out := make([]Entry, 0, len(evs))
	for _, e := range evs {
		raw, err := json.Marshal(e)
		if err != nil {
			return nil, fmt.Errorf("encode event %s: %w", e.Type, err)
		}
		out = append(out, Entry{ID: e.ID, Subject: e.NATSSubject(), Payload: string(raw)})
	}
	return out, nil
}

// Insert stores a new aggregate document together with its events. doc must
// marshal to a BSON document with an _id.
func (r *Relay) Insert(ctx context.Context, coll *mongo.Collection, doc any, evs ...events.Envelope) error {
	raw, err := bson.Marshal(doc)
	if err != nil {
		return err
	}
	var d bson.D
	if err := bson.Unmarshal(raw, &d); err != nil {
		return err
	}
	entries, err := Entries(evs...)
	if err != nil {
		return err
	}
	var id any
	for _, e := range d {
		if e.Key == "_id" {
			id = e.Value
		}
	}
	if id == nil {
		return fmt.Errorf("outbox insert into %s: document has no _id", coll.Name())
	}
	d = append(d, bson.E{Key: Field, Value: entries})
	if _, err := coll.InsertOne(ctx, d); err != nil {
		return err
	}
	failpoint.Hit(failpoint.OutboxAfterWrite)
	r.Notify(coll, id)
	return nil
}

// Update applies update (its $set, $inc, … operators, never a replacement,
// which would drop pending events) to the aggregate id and appends its
// events, in one single-document write. The caller holds its own lock on
// the aggregate across its read and this write; Update additionally
// serialises the write with the relay's removal of published entries,
// because FerretDB applies an update as an unguarded read-modify-write and
// two concurrent updates of one document lose one of them (measured: the
// relay's $pullAll erased a concurrent $push). Every update of a document
// that may hold outbox entries must go through Update for that reason.
// It returns mongo.ErrNoDocuments when there is no such aggregate.
func (r *Relay) Update(ctx context.Context, coll *mongo.Collection, id any, update bson.D, evs ...events.Envelope) error {
	if len(evs) > 0 {
		entries, err := Entries(evs...)
		if err != nil {
			return err
		}
		update = append(update, bson.E{Key: "$push", Value: bson.D{{Key: Field, Value: bson.D{{Key: "$each", Value: entries}}}}})
	}
	unlock := r.locks.Lock(key(coll, id))
	res, err := coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, update)
	unlock()
	if err != nil {
		return err
	}
	if res.MatchedCount == 0 {
		return mongo.ErrNoDocuments
	}
	if len(evs) > 0 {
		failpoint.Hit(failpoint.OutboxAfterWrite)
		r.Notify(coll, id)
	}
	return nil
}

// Pending returns the events the aggregate id still holds in its outbox,
// oldest first: what a crash would leave for the relay's sweep.
func Pending(ctx context.Context, coll *mongo.Collection, id any) ([]events.Envelope, error) {
	var d struct {
		Outbox []Entry `bson:"outbox"`
	}
	if err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
		return nil, err
	}
	out := make([]events.Envelope, 0, len(d.Outbox))
	for _, e := range d.Outbox {
		var env events.Envelope
		if err := json.Unmarshal([]byte(e.Payload), &env); err != nil {
			return nil, fmt.Errorf("outbox entry %s of %v: %w", e.ID, id, err)
		}
		out = append(out, env)
	}
	return out, nil
}
