// Package bus is Aidflow's JetStream event bus: one stream per owning
// service, publishes deduplicated by event id (Nats-Msg-Id), durable
// consumers that hand events to a named handler one at a time, skip events
// already processed, and ack only after the handler's own write.
package bus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/shared/logging"
)

// Bus is a connection to NATS JetStream.
type Bus struct {
	nc  *nats.Conn
	js  jetstream.JetStream
	log *slog.Logger
	// replicas of each stream: 1 on one machine, 3 in a cluster.
	replicas int
}

// Options configure Connect.
type Options struct {
	URL string
	// Name identifies the client in NATS monitoring (the service name).
	Name   string
	Logger *slog.Logger
	// Replicas of the streams this client creates; default 1.
	Replicas int
}

// Connect dials NATS and keeps reconnecting for ever when the connection drops.
func Connect(ctx context.Context, o Options) (*Bus, error) {
	if o.Logger == nil {
		o.Logger = logging.Discard()
	}
	if o.Replicas <= 0 {
		o.Replicas = 1
	}
	nc, err := nats.Connect(o.URL,
		nats.Name("aidflow-"+o.Name),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(250*time.Millisecond),
		nats.RetryOnFailedConnect(true),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				o.Logger.Warn("nats disconnected", "err", err)
			}
		}),
		nats.ReconnectHandler(func(*nats.Conn) { o.Logger.Info("nats reconnected") }),
	)
	if err != nil {
		return nil, fmt.Errorf("connect to NATS at %s: %w", o.URL, err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, err
	}
	return &Bus{nc: nc, js: js, log: o.Logger, replicas: o.Replicas}, nil
}

// JetStream exposes the underlying API for needs this package does not cover.
func (b *Bus) JetStream() jetstream.JetStream { return b.js }

// Conn exposes the NATS connection.
func (b *Bus) Conn() *nats.Conn { return b.nc }

// Close drains the connection.
func (b *Bus) Close() {
	if b.nc != nil {
		_ = b.nc.Drain()
	}
}

// Ready reports whether the connection is up.
func (b *Bus) Ready(context.Context) error {
	if !b.nc.IsConnected() {
		return errors.New("not connected to NATS")
	}
	return nil
}

// EnsureStreams creates the stream of each named service, or updates it
// when its configuration differs. Every service calls it at start for all
// services, so consumers never wait on a stream its producer has not
// created yet. An unchanged stream is left alone: re-applying its config
// while other services create consumers on it raced inside nats-server
// (seen under -race in the e2e suite).
func (b *Bus) EnsureStreams(ctx context.Context, services ...string) error {
	for _, s := range services {
		want := b.streamConfig(s)
		st, err := b.js.Stream(ctx, want.Name)
		switch {
		case errors.Is(err, jetstream.ErrStreamNotFound):
			_, err = b.js.CreateStream(ctx, want)
			if errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
				err = nil // another service created it first
			}
		case err == nil:
			have := st.CachedInfo().Config
			if !sameStream(have, want) {
				_, err = b.js.UpdateStream(ctx, want)
			}
		}
		if err != nil {
			return fmt.Errorf("stream %s: %w", want.Name, err)
		}
	}
	return nil
}

func (b *Bus) streamConfig(service string) jetstream.StreamConfig {
	return jetstream.StreamConfig{
		Name:        events.StreamName(service),
		Description: "Aidflow " + service + " events",
		Subjects:    []string{events.StreamSubjects(service)},
		Storage:     jetstream.FileStorage,
		Retention:   jetstream.LimitsPolicy,
		Replicas:    b.replicas,
		Duplicates:  2 * time.Minute,
		// Events are the system of record for audit and replay: kept.
		MaxAge: 0,
	}
}

func sameStream(have, want jetstream.StreamConfig) bool {
	return slices.Equal(have.Subjects, want.Subjects) && have.Storage == want.Storage &&
		have.Retention == want.Retention && have.Replicas == want.Replicas &&
		have.Duplicates == want.Duplicates && have.MaxAge == want.MaxAge && have.Description == want.Description
}

// Publish sends an event and waits for JetStream to store it. A repeat of
// the same event id within the stream's duplicate window is stored once.
func (b *Bus) Publish(ctx context.Context, e events.Envelope) error {
	data, err := json.Marshal(e)
	if err != nil {
		return err
	}
	return b.PublishRaw(ctx, e.NATSSubject(), e.ID, data)
}

// PublishRaw sends an already encoded envelope (the outbox relay's path).
func (b *Bus) PublishRaw(ctx context.Context, subject, id string, data []byte) error {
	if _, err := b.js.Publish(ctx, subject, data, jetstream.WithMsgID(id)); err != nil {
		return fmt.Errorf("publish %s %s: %w", subject, id, err)
	}
	return nil
}
