package bus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/shared/apperr"
	"github.com/aidflow/aidflow/shared/failpoint"
	"github.com/aidflow/aidflow/shared/logging"
)

// Handler applies one event. It must be idempotent: after a crash between
// its write and the processed mark, it sees the event again.
type Handler func(ctx context.Context, e events.Envelope) error

// Processed remembers which events a consumer has applied, so a redelivery
// (after a crash or a lost ack) is skipped rather than applied twice.
type Processed interface {
	Seen(ctx context.Context, consumer, eventID string) (bool, error)
	Mark(ctx context.Context, consumer, eventID string) error
}

// ErrPermanent marks a handler error that no retry can fix; the event is
// logged and terminated instead of redelivered for ever.
var ErrPermanent = errors.New("permanent")

// ConsumerSpec names a durable consumer of one service's stream.
type ConsumerSpec struct {
	// Name is the durable name, e.g. "demand-allocations"; unique per stream.
	Name string
	// Stream is the owning service whose stream is read, e.g. "matcher".
	Stream string
	// Types limits the consumer to these event types; empty = all.
	Types []string
	// Items limits Types to the events of these items (the subject's last
	// token, events.Envelope.Item); empty = every item, and events of no
	// item. A consumer per item partition (the matcher) sets it.
	Items []string
	// Subjects are raw subject filters, used instead of Types when set.
	Subjects []string
	// MaxAckPending is how many events may be in flight; 1 (the default)
	// keeps the stream's order, which the matcher and audit need.
	MaxAckPending int
}

// Consumer runs a handler over a durable consumer until its context ends.
type Consumer struct {
	spec     ConsumerSpec
	cons     jetstream.Consumer
	handled  atomic.Int64
	done     chan struct{}
	stopOnce sync.Once
	stop     func()
}

// Consume creates (or resumes) the durable consumer and starts handling.
func (b *Bus) Consume(ctx context.Context, spec ConsumerSpec, processed Processed, h Handler) (*Consumer, error) {
	if spec.MaxAckPending <= 0 {
		spec.MaxAckPending = 1
	}
	filters := spec.Subjects
	for _, t := range spec.Types {
		if len(spec.Items) == 0 {
			filters = append(filters, t+".>")
			continue
		}
		for _, item := range spec.Items {
			filters = append(filters, t+"."+item)
		}
	}
	cfg := jetstream.ConsumerConfig{
		Durable:       spec.Name,
		AckPolicy:     jetstream.AckExplicitPolicy,
		DeliverPolicy: jetstream.DeliverAllPolicy,
		// After a crash, an ordered consumer waits this long for the event
		// that was in hand; handlers take milliseconds.
		AckWait:       10 * time.Second,
		MaxDeliver:    -1,
		MaxAckPending: spec.MaxAckPending,
	}
	if len(filters) == 1 {
		cfg.FilterSubject = filters[0]
	} else if len(filters) > 1 {
		cfg.FilterSubjects = filters
	}
	cons, err := b.js.CreateOrUpdateConsumer(ctx, events.StreamName(spec.Stream), cfg)
	if err != nil {
		return nil, fmt.Errorf("consumer %s on %s: %w", spec.Name, spec.Stream, err)
	}
	// The server delivers no more than MaxAckPending at once, whatever the
	// batch; a delivered message we stop before handling is NAKed below.
	it, err := cons.Messages(jetstream.PullMaxMessages(max(spec.MaxAckPending, 64)))
	if err != nil {
		return nil, err
	}
	c := &Consumer{spec: spec, cons: cons, done: make(chan struct{})}
	log := b.log.With("consumer", spec.Name)
	runCtx, cancel := context.WithCancel(ctx)
	c.stop = cancel
	// On stop, drain rather than drop: messages the server already
	// delivered into our buffer come out of Next and are NAKed, so the next
	// start gets them at once instead of after AckWait.
	go func() { <-runCtx.Done(); it.Drain() }()
	go func() {
		defer close(c.done)
		for {
			msg, err := it.Next()
			if err != nil {
				if errors.Is(err, jetstream.ErrMsgIteratorClosed) {
					return
				}
				if runCtx.Err() == nil {
					log.Warn("next message", "err", err)
				}
				continue
			}
			if runCtx.Err() != nil {
				_ = msg.Nak()
				continue
			}
			c.handle(runCtx, log, msg, processed, h)
		}
	}()
	return c, nil
}

func (c *Consumer) handle(ctx context.Context, log *slog.Logger, msg jetstream.Msg, processed Processed, h Handler) {
	var e events.Envelope
	if err := json.Unmarshal(msg.Data(), &e); err != nil || e.ID == "" || e.Type == "" {
		log.Error("undecodable event terminated", "subject", msg.Subject(), "err", err)
		_ = msg.Term()
		return
	}
	ctx = logging.WithEventID(ctx, e.ID)
	if md, err := msg.Metadata(); err == nil {
		ctx = WithSequence(ctx, md.Sequence.Stream)
	}
	seen, err := processed.Seen(ctx, c.spec.Name, e.ID)
	if err != nil {
		c.retry(ctx, log, msg, fmt.Errorf("read processed mark: %w", err))
		return
	}
	if !seen {
		if err := h(ctx, e); err != nil {
			if errors.Is(err, ErrPermanent) || isClientError(err) {
				log.ErrorContext(ctx, "event refused by handler; terminated", "type", e.Type, "err", err)
				_ = msg.Term()
				return
			}
			c.retry(ctx, log, msg, err)
			return
		}
		failpoint.Hit(failpoint.BusAfterHandle)
		if err := processed.Mark(ctx, c.spec.Name, e.ID); err != nil {
			c.retry(ctx, log, msg, fmt.Errorf("write processed mark: %w", err))
			return
		}
	}
	if err := msg.DoubleAck(ctx); err != nil && ctx.Err() == nil {
		log.WarnContext(ctx, "ack", "err", err)
	}
	c.handled.Add(1)
}

func isClientError(err error) bool {
	switch apperr.CodeOf(err) {
	case apperr.Invalid, apperr.Unprocessable, apperr.NotFound, apperr.Forbidden:
		return true
	}
	return false
}

func (c *Consumer) retry(ctx context.Context, log *slog.Logger, msg jetstream.Msg, err error) {
	if ctx.Err() != nil {
		// Stopping: hand the event back now, so the next start does not
		// wait out AckWait before it is redelivered.
		_ = msg.Nak()
		return
	}
	n := uint64(1)
	if md, mdErr := msg.Metadata(); mdErr == nil {
		n = md.NumDelivered
	}
	delay := min(time.Duration(1<<min(n, 8))*50*time.Millisecond, 10*time.Second)
	log.WarnContext(ctx, "handler failed; will retry", "delivery", n, "delay", delay, "err", err)
	_ = msg.NakWithDelay(delay)
}

type sequenceKey struct{}

// WithSequence is ctx carrying the stream sequence number of the event in
// hand; the consumer sets it for its handler (fakes and tests may too).
func WithSequence(ctx context.Context, seq uint64) context.Context {
	return context.WithValue(ctx, sequenceKey{}, seq)
}

// Sequence is the stream sequence number of the event a handler was given:
// its position in its stream, increasing in the order the stream delivers.
// 0 when unknown (not called by a consumer).
func Sequence(ctx context.Context) uint64 {
	seq, _ := ctx.Value(sequenceKey{}).(uint64)
	return seq
}

// Handled counts the events this consumer applied or skipped since start.
func (c *Consumer) Handled() int64 { return c.handled.Load() }

// CaughtUp reports whether every event stored so far has been handled.
func (c *Consumer) CaughtUp(ctx context.Context) (bool, error) {
	info, err := c.cons.Info(ctx)
	if err != nil {
		return false, err
	}
	return info.NumPending == 0 && info.NumAckPending == 0, nil
}

// Stop ends the handling loop and waits for the event in hand.
func (c *Consumer) Stop() {
	c.stopOnce.Do(func() { c.stop(); <-c.done })
}

// MemoryProcessed is an in-memory Processed for tests and fakes.
type MemoryProcessed struct {
	mu   sync.Mutex
	seen map[string]bool
}

func (m *MemoryProcessed) Seen(_ context.Context, consumer, id string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.seen[consumer+"\x00"+id], nil
}

func (m *MemoryProcessed) Mark(_ context.Context, consumer, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.seen == nil {
		m.seen = map[string]bool{}
	}
	m.seen[consumer+"\x00"+id] = true
	return nil
}
