// Package mongox holds the MongoDB helpers every service uses: connecting,
// recognising duplicate keys, and the Mongo-backed processed-event and
// idempotency records.
//
// Repositories address hot documents by _id only: the embedded store
// (FerretDB on SQLite) uses no index for any other filter and would scan the
// whole collection (see shared/embedstore/README.md).
package mongox

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"
	"go.mongodb.org/mongo-driver/v2/mongo/writeconcern"

	"github.com/aidflow/aidflow/shared/httpx"
)

// Connect dials uri and pings it. Writes wait for a majority so an
// acknowledged write survives the loss of a replica-set member.
func Connect(ctx context.Context, uri, appName string) (*mongo.Client, error) {
	opts := options.Client().ApplyURI(uri).SetAppName(appName).
		SetWriteConcern(writeconcern.Majority()).
		SetServerSelectionTimeout(10 * time.Second)
	client, err := mongo.Connect(opts)
	if err != nil {
		return nil, fmt.Errorf("connect to MongoDB: %w", err)
	}
	pctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := client.Ping(pctx, readpref.Primary()); err != nil {
		_ = client.Disconnect(context.Background())
		return nil, fmt.Errorf("ping MongoDB: %w", err)
	}
	return client, nil
}

// Ready pings the database, for /readyz.
func Ready(client *mongo.Client) func(context.Context) error {
	return func(ctx context.Context) error {
		ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		return client.Ping(ctx, readpref.Primary())
	}
}

// IsDuplicate reports whether err is a duplicate-key error.
func IsDuplicate(err error) bool { return mongo.IsDuplicateKeyError(err) }

// IsNotFound reports whether err says no document matched.
func IsNotFound(err error) bool { return errors.Is(err, mongo.ErrNoDocuments) }

// EnsureCollections creates collections that do not exist yet, so the
// embedded store's mirror index can be laid on them before the first write.
func EnsureCollections(ctx context.Context, db *mongo.Database, names ...string) error {
	have, err := db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		return err
	}
	exists := map[string]bool{}
	for _, n := range have {
		exists[n] = true
	}
	for _, n := range names {
		if exists[n] {
			continue
		}
		if err := db.CreateCollection(ctx, n); err != nil {
			var ce mongo.CommandError
			if errors.As(err, &ce) && ce.Name == "NamespaceExists" {
				continue
			}
			return fmt.Errorf("create collection %s: %w", n, err)
		}
	}
	return nil
}

// Processed is the Mongo record of events a consumer has applied: one
// document per (consumer, event) with _id as the unique key.
type Processed struct{ coll *mongo.Collection }

// NewProcessed keeps the records in db's processed_events collection.
func NewProcessed(db *mongo.Database) *Processed {
	return &Processed{coll: db.Collection("processed_events")}
}

func processedID(consumer, eventID string) string { return consumer + ":" + eventID }

// Seen reports whether the consumer applied the event.
func (p *Processed) Seen(ctx context.Context, consumer, eventID string) (bool, error) {
	err := p.coll.FindOne(ctx, bson.D{{Key: "_id", Value: processedID(consumer, eventID)}}).Err()
	if IsNotFound(err) {
		return false, nil
	}
	return err == nil, err
}

// Mark records that the consumer applied the event.
func (p *Processed) Mark(ctx context.Context, consumer, eventID string) error {
	_, err := p.coll.InsertOne(ctx, bson.D{{Key: "_id", Value: processedID(consumer, eventID)}, {Key: "at", Value: time.Now().UTC()}})
	if IsDuplicate(err) {
		return nil
	}
	return err
}

// Idempotency keeps first answers to writes (httpx.IdempotencyStore).
type Idempotency struct{ coll *mongo.Collection }

// NewIdempotency keeps the records in db's idempotency_keys collection.
func NewIdempotency(db *mongo.Database) *Idempotency {
	return &Idempotency{coll: db.Collection("idempotency_keys")}
}

type savedDoc struct {
	ID       string              `bson:"_id"`
	Response httpx.SavedResponse `bson:"response"`
	At       time.Time           `bson:"at"`
}

func (s *Idempotency) Get(ctx context.Context, key string) (*httpx.SavedResponse, error) {
	var d savedDoc
	err := s.coll.FindOne(ctx, bson.D{{Key: "_id", Value: key}}).Decode(&d)
	if IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &d.Response, nil
}

func (s *Idempotency) Put(ctx context.Context, key string, r httpx.SavedResponse) error {
	_, err := s.coll.ReplaceOne(ctx, bson.D{{Key: "_id", Value: key}}, savedDoc{ID: key, Response: r, At: time.Now().UTC()}, options.Replace().SetUpsert(true))
	return err
}
