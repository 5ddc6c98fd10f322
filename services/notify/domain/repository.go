package domain

import (
	"context"
	"time"
)

// FeedEntry is one notification on a live feed, numbered in its feed.
type FeedEntry struct {
	Seq          int64
	Notification Notification
}

// Repository stores notify's state. One service instance writes it.
type Repository interface {
	// CreateSubscription stores a new subscription.
	CreateSubscription(ctx context.Context, s Subscription) error
	// Subscription returns one subscription, or ErrSubscriptionNotFound.
	Subscription(ctx context.Context, id string) (Subscription, error)
	// Subscriptions returns every subscription, ordered by id.
	Subscriptions(ctx context.Context) ([]Subscription, error)
	// UpdateSubscription applies change to the stored subscription and
	// stores the result; a change that returns an error stores nothing.
	UpdateSubscription(ctx context.Context, id string, change func(*Subscription) error) (Subscription, error)
	// DeleteSubscription removes a subscription, its queue and its
	// deliveries.
	DeleteSubscription(ctx context.Context, id string) error

	// AddDelivery stores d unless a delivery with its id exists; created
	// says which.
	AddDelivery(ctx context.Context, d Delivery) (created bool, err error)
	// Delivery returns one delivery, or ErrDeliveryNotFound.
	Delivery(ctx context.Context, id string) (Delivery, error)
	// SaveDelivery replaces a stored delivery.
	SaveDelivery(ctx context.Context, d Delivery) error
	// DeleteDelivery removes a delivery that has left its subscription's
	// log; a missing one is no error.
	DeleteDelivery(ctx context.Context, id string) error

	// PutQueued stores which delivery is at a position of a
	// subscription's queue (replacing what a stopped write left there).
	PutQueued(ctx context.Context, subscriptionID string, pos int64, deliveryID string) error
	// QueuedAt returns the id of the delivery at a position, or
	// ErrDeliveryNotFound.
	QueuedAt(ctx context.Context, subscriptionID string, pos int64) (string, error)
	// DeleteQueued removes a position the queue has moved past; a missing
	// one is no error.
	DeleteQueued(ctx context.Context, subscriptionID string, pos int64) error

	// AppendFeed adds n to the feed named key unless it is there already,
	// keeping the newest max entries, and returns its entry.
	AppendFeed(ctx context.Context, key string, n Notification, max int) (e FeedEntry, appended bool, err error)
	// FeedSince returns the feed's entries after seq, oldest first.
	FeedSince(ctx context.Context, key string, seq int64) ([]FeedEntry, error)

	// PutWatch stores a watch (replacing one of the same allocation).
	PutWatch(ctx context.Context, w Watch) error
	// DeleteWatch removes the watch of an allocation, if any.
	DeleteWatch(ctx context.Context, allocationID string) error
	// WatchesDue returns the watches expiring at or before t.
	WatchesDue(ctx context.Context, t time.Time) ([]Watch, error)
}
