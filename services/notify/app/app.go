// Package app holds notify's use cases, one file each: subscriptions
// (create, list, get, delete, resume, deliveries), what an event causes
// (HandleEvent, Publish, WarnExpiring), delivering (Dispatcher) and the
// live feed (OpenStream).
package app

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/aidflow/aidflow/services/notify/domain"
	"github.com/aidflow/aidflow/shared/keymutex"
	"github.com/aidflow/aidflow/shared/logging"
)

// Defaults of the settings in Settings.
const (
	DefaultSubscriptionsPerOrg = 10
	DefaultFeedBacklog         = 500
	DefaultStreamsPerOrg       = 5
)

// Sender makes one delivery attempt.
type Sender interface {
	Send(ctx context.Context, s domain.Subscription, d domain.Delivery) domain.Attempt
}

// Settings are notify's tunable rules.
type Settings struct {
	Targets             domain.TargetPolicy
	Retry               domain.Retry
	SubscriptionsPerOrg int
	// FeedBacklog is how many notifications each live feed keeps for
	// reconnections (Last-Event-ID).
	FeedBacklog    int
	StreamsPerOrg  int
	ExpiringWithin time.Duration
}

// App is notify's use cases over a repository.
type App struct {
	Repo     domain.Repository
	Sender   Sender
	Settings Settings
	Now      func() time.Time
	Log      *slog.Logger

	hub        *Hub
	dispatcher *Dispatcher
	// createMu makes the per-organization limit hold when one
	// organization creates several subscriptions at once.
	createMu sync.Mutex
	// queues serializes queueing per subscription: a position is taken,
	// written and counted by one writer at a time.
	queues keymutex.Map
}

// New returns the use cases. Zero settings take their defaults.
func New(repo domain.Repository, sender Sender, s Settings, log *slog.Logger) *App {
	if log == nil {
		log = logging.Discard()
	}
	if s.SubscriptionsPerOrg <= 0 {
		s.SubscriptionsPerOrg = DefaultSubscriptionsPerOrg
	}
	if s.FeedBacklog <= 0 {
		s.FeedBacklog = DefaultFeedBacklog
	}
	if s.StreamsPerOrg <= 0 {
		s.StreamsPerOrg = DefaultStreamsPerOrg
	}
	if s.ExpiringWithin <= 0 {
		s.ExpiringWithin = domain.DefaultExpiringWithin
	}
	if s.Retry.Base <= 0 {
		s.Retry = domain.DefaultRetry
	}
	a := &App{Repo: repo, Sender: sender, Settings: s, Now: time.Now, Log: log, hub: newHub()}
	a.dispatcher = newDispatcher(a)
	return a
}

// Dispatcher is the delivery worker set; Run it for deliveries to go out.
func (a *App) Dispatcher() *Dispatcher { return a.dispatcher }

// Close ends every live stream (the service is stopping).
func (a *App) Close() { a.hub.close() }
