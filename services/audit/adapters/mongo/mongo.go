// Package mongo stores the audit log in MongoDB: records, the event-id
// index, the tree's stored hashes and the checkpoints, each document
// addressed by _id (the embedded store indexes nothing else).
package mongo

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/audit/domain"
	"github.com/aidflow/aidflow/shared/mongox"
	"github.com/aidflow/aidflow/shared/outbox"
)

// Collection names.
const (
	Records          = "records"
	EventIndex       = "event_index"
	TreeHashes       = "tree_hashes"
	Checkpoints      = "checkpoints"
	LatestCheckpoint = "checkpoint_latest"
	Anomalies        = "anomalies"
)

// Collections lists every collection, for mongox.EnsureCollections.
var Collections = []string{Records, EventIndex, TreeHashes, Checkpoints, LatestCheckpoint, Anomalies}

// Key is the _id of a log or storage index: fixed-width decimal, so the
// keys sort as the numbers do and the embedded store, which pushes down
// only string and ObjectID _id filters, finds them by index.
func Key(i int64) string { return fmt.Sprintf("%016d", i) }

// isKey reads a Key back; scans pass over what is not one.
func isKey(s string) (int64, bool) {
	i, err := strconv.ParseInt(s, 10, 64)
	return i, err == nil
}

// Log is the MongoDB domain.LogStore.
type Log struct {
	records, ids, hashes *mongo.Collection
}

// NewLog keeps the log in db.
func NewLog(db *mongo.Database) *Log {
	return &Log{records: db.Collection(Records), ids: db.Collection(EventIndex), hashes: db.Collection(TreeHashes)}
}

type recordDoc struct {
	ID string `bson:"_id"`
	// Envelope is the record's exact bytes (domain.Record.Data), kept as a
	// string so the stored log reads as JSON.
	Envelope string `bson:"envelope"`
}

type hashDoc struct {
	ID   string `bson:"_id"`
	Hash []byte `bson:"hash"`
}

type eventDoc struct {
	ID    string `bson:"_id"`
	Index int64  `bson:"index"`
}

func byID(id string) bson.D { return bson.D{{Key: "_id", Value: id}} }

func (l *Log) PutHashes(ctx context.Context, start int64, hs []tlog.Hash) error {
	docs := make([]any, len(hs))
	for i, h := range hs {
		docs[i] = hashDoc{ID: Key(start + int64(i)), Hash: h[:]}
	}
	_, err := l.hashes.InsertMany(ctx, docs)
	if !mongox.IsDuplicate(err) {
		return err
	}
	// Left by an append that stopped before its record: replace them.
	for _, d := range docs {
		h := d.(hashDoc)
		if _, err := l.hashes.ReplaceOne(ctx, byID(h.ID), h, options.Replace().SetUpsert(true)); err != nil {
			return err
		}
	}
	return nil
}

func (l *Log) ReadHashes(ctx context.Context, idx []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(idx))
	for i, s := range idx {
		var d hashDoc
		err := l.hashes.FindOne(ctx, byID(Key(s))).Decode(&d)
		if mongox.IsNotFound(err) {
			return nil, fmt.Errorf("storage index %d: %w", s, domain.ErrHashNotFound)
		}
		if err != nil {
			return nil, err
		}
		if len(d.Hash) != tlog.HashSize {
			return nil, fmt.Errorf("storage index %d: stored hash has %d bytes", s, len(d.Hash))
		}
		copy(out[i][:], d.Hash)
	}
	return out, nil
}

func (l *Log) PutRecord(ctx context.Context, r domain.Record) error {
	_, err := l.records.InsertOne(ctx, recordDoc{ID: Key(r.Index), Envelope: string(r.Data)})
	if mongox.IsDuplicate(err) {
		return domain.ErrRecordExists
	}
	return err
}

func (l *Log) Record(ctx context.Context, index int64) (domain.Record, error) {
	var d recordDoc
	err := l.records.FindOne(ctx, byID(Key(index))).Decode(&d)
	if mongox.IsNotFound(err) {
		return domain.Record{}, domain.ErrRecordNotFound
	}
	if err != nil {
		return domain.Record{}, err
	}
	return domain.Record{Index: index, Data: []byte(d.Envelope)}, nil
}

func (l *Log) PutEventIndex(ctx context.Context, id string, index int64) error {
	_, err := l.ids.InsertOne(ctx, eventDoc{ID: id, Index: index})
	if mongox.IsDuplicate(err) {
		return nil
	}
	return err
}

func (l *Log) EventIndex(ctx context.Context, id string) (int64, bool, error) {
	var d eventDoc
	err := l.ids.FindOne(ctx, byID(id)).Decode(&d)
	if mongox.IsNotFound(err) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	return d.Index, true, nil
}

func (l *Log) ScanRecords(ctx context.Context, fn func(domain.Record) error) error {
	return mongox.Each(ctx, l.records, bson.D{}, func(d recordDoc) error {
		i, ok := isKey(d.ID)
		if !ok {
			return nil // not a record key: nothing the service wrote
		}
		return fn(domain.Record{Index: i, Data: []byte(d.Envelope)})
	})
}

func (l *Log) ScanHashes(ctx context.Context, fn func(int64, tlog.Hash) error) error {
	return mongox.Each(ctx, l.hashes, bson.D{}, func(d hashDoc) error {
		i, ok := isKey(d.ID)
		if !ok || len(d.Hash) != tlog.HashSize {
			return nil // verification finds the hash missing
		}
		var h tlog.Hash
		copy(h[:], d.Hash)
		return fn(i, h)
	})
}

// CheckpointStore is the MongoDB domain.CheckpointStore: the history in
// one collection keyed by size, the latest in a one-document collection
// that carries the checkpoint_signed events in its outbox.
type CheckpointStore struct {
	history, latest *mongo.Collection
	relay           *outbox.Relay
}

// NewCheckpoints keeps checkpoints in db and relays their events.
func NewCheckpoints(db *mongo.Database, relay *outbox.Relay) *CheckpointStore {
	latest := db.Collection(LatestCheckpoint)
	relay.Watch(latest)
	return &CheckpointStore{history: db.Collection(Checkpoints), latest: latest, relay: relay}
}

const latestID = "latest"

type checkpointDoc struct {
	ID     string    `bson:"_id"`
	Origin string    `bson:"origin"`
	Size   int64     `bson:"size"`
	Root   string    `bson:"root_hash"`
	Note   string    `bson:"note"`
	Time   time.Time `bson:"time"`
}

func toCheckpointDoc(id string, cp domain.Checkpoint) checkpointDoc {
	return checkpointDoc{ID: id, Origin: cp.Origin, Size: cp.Size, Root: cp.Root.String(), Note: string(cp.Note), Time: cp.Time}
}

func (d checkpointDoc) checkpoint() (domain.Checkpoint, error) {
	root, err := tlog.ParseHash(d.Root)
	if err != nil {
		return domain.Checkpoint{}, fmt.Errorf("checkpoint %d: %w", d.Size, err)
	}
	return domain.Checkpoint{Origin: d.Origin, Size: d.Size, Root: root, Note: []byte(d.Note), Time: d.Time.UTC()}, nil
}

func (c *CheckpointStore) Save(ctx context.Context, cp domain.Checkpoint, evs ...events.Envelope) error {
	if _, err := c.history.InsertOne(ctx, toCheckpointDoc(Key(cp.Size), cp)); err != nil && !mongox.IsDuplicate(err) {
		return err
	}
	d := toCheckpointDoc(latestID, cp)
	set := bson.D{{Key: "$set", Value: bson.D{
		{Key: "origin", Value: d.Origin}, {Key: "size", Value: d.Size}, {Key: "root_hash", Value: d.Root},
		{Key: "note", Value: d.Note}, {Key: "time", Value: d.Time},
	}}}
	err := c.relay.Update(ctx, c.latest, latestID, set, evs...)
	if !errors.Is(err, mongo.ErrNoDocuments) {
		return err
	}
	err = c.relay.Insert(ctx, c.latest, d, evs...)
	if mongox.IsDuplicate(err) { // a concurrent first save: update instead
		return c.relay.Update(ctx, c.latest, latestID, set, evs...)
	}
	return err
}

func (c *CheckpointStore) Latest(ctx context.Context) (domain.Checkpoint, error) {
	var d checkpointDoc
	err := c.latest.FindOne(ctx, byID(latestID)).Decode(&d)
	if mongox.IsNotFound(err) {
		return domain.Checkpoint{}, domain.ErrNoCheckpoint
	}
	if err != nil {
		return domain.Checkpoint{}, err
	}
	return d.checkpoint()
}

func (c *CheckpointStore) Get(ctx context.Context, size int64) (domain.Checkpoint, error) {
	var d checkpointDoc
	err := c.history.FindOne(ctx, byID(Key(size))).Decode(&d)
	if mongox.IsNotFound(err) {
		return domain.Checkpoint{}, domain.ErrCheckpointNotFound
	}
	if err != nil {
		return domain.Checkpoint{}, err
	}
	return d.checkpoint()
}

func (c *CheckpointStore) Sizes(ctx context.Context) ([]int64, error) {
	var out []int64
	err := mongox.Each(ctx, c.history, bson.D{}, func(d struct {
		ID string `bson:"_id"`
	}) error {
		if i, ok := isKey(d.ID); ok {
			out = append(out, i)
		}
		return nil
	}, options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, err
	}
	slices.Sort(out)
	return out, nil
}

// AnomalyStore is the MongoDB domain.AnomalyStore: one document per
// anomaly, keyed by its ID, carrying its anomaly_raised event in the
// outbox.
type AnomalyStore struct {
	coll  *mongo.Collection
	relay *outbox.Relay
}

// NewAnomalies keeps anomalies in db and relays their events.
func NewAnomalies(db *mongo.Database, relay *outbox.Relay) *AnomalyStore {
	coll := db.Collection(Anomalies)
	relay.Watch(coll)
	return &AnomalyStore{coll: coll, relay: relay}
}

type anomalyDoc struct {
	ID          string    `bson:"_id"`
	Rule        string    `bson:"rule"`
	SubjectKind string    `bson:"subject_kind"`
	SubjectID   string    `bson:"subject_id"`
	OrgID       string    `bson:"org_id"`
	Item        string    `bson:"item"`
	Region      string    `bson:"region"`
	Threshold   string    `bson:"threshold"`
	Observed    string    `bson:"observed"`
	Since       time.Time `bson:"since"`
	RaisedAt    time.Time `bson:"raised_at"`
}

func (s *AnomalyStore) Raise(ctx context.Context, a domain.Anomaly, evs ...events.Envelope) (bool, error) {
	d := anomalyDoc{ID: a.ID, Rule: a.Rule, SubjectKind: a.SubjectKind, SubjectID: a.SubjectID, OrgID: a.OrgID, Item: a.Item,
		Region: a.Region, Threshold: a.Threshold, Observed: a.Observed, Since: a.Since, RaisedAt: a.RaisedAt}
	err := s.relay.Insert(ctx, s.coll, d, evs...)
	if mongox.IsDuplicate(err) {
		return false, nil
	}
	return err == nil, err
}

func (s *AnomalyStore) All(ctx context.Context) ([]domain.Anomaly, error) {
	var out []domain.Anomaly
	err := mongox.Each(ctx, s.coll, bson.D{}, func(d anomalyDoc) error {
		out = append(out, domain.Anomaly{ID: d.ID, Rule: d.Rule, SubjectKind: d.SubjectKind, SubjectID: d.SubjectID, OrgID: d.OrgID,
			Item: d.Item, Region: d.Region, Threshold: d.Threshold, Observed: d.Observed, Since: d.Since.UTC(), RaisedAt: d.RaisedAt.UTC()})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
