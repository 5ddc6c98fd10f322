package mongox

import (
	"context"
	"slices"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// SetOf is the $set of every field of doc but _id, in doc's order: an
// update that writes the whole state yet leaves the fields the document
// has beside it (its outbox's pending events) as they are, which a
// replacement would drop.
func SetOf(doc any) (bson.D, error) {
	raw, err := bson.Marshal(doc)
	if err != nil {
		return nil, err
	}
	var all bson.D
	if err := bson.Unmarshal(raw, &all); err != nil {
		return nil, err
	}
	return slices.DeleteFunc(all, func(e bson.E) bool { return e.Key == "_id" }), nil
}

// Each finds what filter matches in c, decodes each document as a D and
// hands it to fn in the cursor's order, stopping at the first error (fn's
// included). Any filter but one on _id reads the whole collection on the
// embedded store, so it is for start-up loads and small collections.
func Each[D any](ctx context.Context, c *mongo.Collection, filter any, fn func(D) error, opts ...options.Lister[options.FindOptions]) error {
	cur, err := c.Find(ctx, filter, opts...)
	if err != nil {
		return err
	}
	defer func() { _ = cur.Close(ctx) }()
	for cur.Next(ctx) {
		var d D
		if err := cur.Decode(&d); err != nil {
			return err
		}
		if err := fn(d); err != nil {
			return err
		}
	}
	return cur.Err()
}

// FindByID reads the document whose _id is id as a D, the one read the
// embedded store answers from its index; when there is none it returns
// notFound, the caller's domain error. opts may project (leave the outbox
// out, say).
func FindByID[D any](ctx context.Context, c *mongo.Collection, id string, notFound error, opts ...options.Lister[options.FindOneOptions]) (D, error) {
	var d D
	err := c.FindOne(ctx, bson.D{{Key: "_id", Value: id}}, opts...).Decode(&d)
	if IsNotFound(err) {
		return d, notFound
	}
	return d, err
}
