// Package app holds the matcher's use cases, one file each: applying what
// other services announce, running the policy for an item, and the
// allocation lifecycle commands.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/aidflow/aidflow/services/matcher/domain"
	"github.com/aidflow/aidflow/shared/apperr"
	"github.com/aidflow/aidflow/shared/logging"
)

// DefaultTTL is how long a proposed allocation waits for its source to
// accept it before it expires and its units are matched again.
const DefaultTTL = 48 * time.Hour

// App is the matcher's use cases over its repository and its book.
//
// Every change (an event applied, a matching run, a lifecycle command)
// runs under one lock, one at a time: a run reads what is left, decides,
// and writes, and nothing may change what is left in between. Reads are
// served from the book without the lock.
type App struct {
	Repo domain.Repository
	Book *domain.Book
	Now  func() time.Time
	// TTL is how long a proposal may wait for acceptance.
	TTL time.Duration
	Log *slog.Logger
	// NewOverrideID names a regulator's allocation: random, as a command
	// has no event to derive it from (its allocation_proposed event
	// records it for replays). Tests fix it to compare runs byte for byte.
	NewOverrideID func() string
	// Active reports whether this instance holds the matcher's lease; nil
	// means it always does (one instance, tests). Every change checks it
	// under the lock, so an instance that lost its lease writes nothing
	// more (see ErrStandby).
	Active func() bool
	// Partition is the items this instance serves (the zero value: every
	// item). Events of other items are ignored; Partitioned sets it.
	Partition domain.Partition
	// View answers reads: every partition's allocations. It is Book itself
	// when the partition serves every item; otherwise Book mirrors its
	// allocations into it and the service feeds it the other partitions'
	// (Partitioned).
	View *domain.Book
	// WholeItems makes every run give the policy the whole item instead
	// of what changed since the item's last run (domain.Book.MarketToMatch).
	// The decisions are the same; the tests compare the two.
	WholeItems bool
	// Deferred applies input events without matching their items: the
	// replay runs an item only where the log shows a run (MatchItem).
	Deferred bool

	mu sync.Mutex
	// read is how far the book has read each input stream: the last event
	// applied from it (allocation events carry it, Writer).
	read map[string]domain.Input
	// written is the Sequence of the last allocation write.
	written int64
}

// ErrStandby refuses a change on an instance that does not hold the
// matcher's lease: another instance is the active one.
var ErrStandby = apperr.New(apperr.Unavailable, "this matcher instance is on standby (another holds the lease); retry")

// standby is ErrStandby when this instance may not change anything. The
// caller holds a.mu.
func (a *App) standby() error {
	if a.Active != nil && !a.Active() {
		return ErrStandby
	}
	return nil
}

// ready is ErrStandby on a standby instance; on the active one it first
// finishes any redirect a crash or a failed write left half done, so that
// nothing else sees or takes its units twice. Every change starts with
// it. The caller holds a.mu.
func (a *App) ready(ctx context.Context) error {
	if err := a.standby(); err != nil {
		return err
	}
	return a.finishRedirects(ctx)
}

// New returns the use cases; call Load before anything else.
func New(repo domain.Repository, ttl time.Duration) *App {
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	b := domain.NewBook()
	return &App{Repo: repo, Book: b, View: b, Now: time.Now, TTL: ttl, Log: logging.Discard(), NewOverrideID: domain.NewOverrideID}
}

// Partitioned makes the App serve only p's items, with a read view of
// every partition's allocations apart from its book. Call it before Load.
func (a *App) Partitioned(p domain.Partition) {
	a.Partition = p
	if p.Whole() {
		a.View = a.Book
		return
	}
	a.View = domain.NewBook()
	a.Book.MirrorAllocations(a.View)
}

// serves reports whether this instance serves item; an event of another
// item (none should reach it: its consumers are filtered by item) is
// logged and ignored.
func (a *App) serves(ctx context.Context, item string, trig Trigger) bool {
	if a.Partition.Serves(item) {
		return true
	}
	a.Log.WarnContext(ctx, "event of an item another partition serves; ignored", "item", item, "event_id", trig.EventID,
		"partition", a.Partition.Name)
	return false
}

// Load fills the book from the store: one read per collection, before the
// consumers start, so the first run already sees every allocation made
// before a restart.
func (a *App) Load(ctx context.Context) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	s, err := a.Repo.Load(ctx)
	if err != nil {
		return fmt.Errorf("load the matcher's state: %w", err)
	}
	own := s.Only(a.Partition)
	a.Book.Load(own)
	a.read = domain.LatestInputs(own.Inputs)
	a.written = 0
	for _, al := range own.Allocations {
		a.written = max(a.written, al.Writer.Sequence)
	}
	if a.View != a.Book {
		// The book mirrored its own; the view takes every partition's.
		for _, al := range s.Allocations {
			a.View.PutAllocationIfNewer(al)
		}
	}
	return nil
}

// Trigger is the event a matching run answers. Its id numbers the run's
// allocations; its time gives the run's "today".
type Trigger struct {
	EventID string
	Time    time.Time
	// Stream and Seq place an input event in its stream (ports sets them
	// from the consumer); Seq is 0 where unknown (tests, the replay).
	// Runs that answer no input (sweeps, commands, the matcher's own
	// events) have neither.
	Stream string
	Seq    uint64
}

// apply applies an input event with write, which changes the book and
// stores what changed from the input it is given, and records the event
// as read. An event the state already holds (its sequence not past the
// last read from its stream: redelivered after a restart, or already
// written by another partition, for hospitals) is not applied again;
// its run still happens. The caller holds a.mu.
func (a *App) apply(trig Trigger, write func(from domain.Input) error) error {
	held, ok := a.read[trig.Stream]
	if trig.Seq > 0 && ok && trig.Seq <= held.Seq {
		return nil
	}
	from := domain.Input{Stream: trig.Stream, Seq: trig.Seq, EventID: trig.EventID}
	if err := write(from); err != nil {
		return err
	}
	if trig.Stream != "" {
		if a.read == nil {
			a.read = map[string]domain.Input{}
		}
		a.read[trig.Stream] = from
	}
	return nil
}

// matchApplied matches the items an input event changed, in order, unless
// the App is Deferred. The caller holds a.mu.
func (a *App) matchApplied(ctx context.Context, trig Trigger, items ...string) error {
	if a.Deferred {
		return nil
	}
	for _, item := range items {
		if err := a.matchItem(ctx, trig, item); err != nil {
			return err
		}
	}
	return nil
}

// writer is this instance's next write of an allocation: its partition,
// the write's number, and how far it has read each input stream. Call it
// once per write. The caller holds a.mu.
func (a *App) writer() domain.Writer {
	a.written++
	w := domain.Writer{Partition: a.Partition.Name, Sequence: a.written}
	if len(a.read) > 0 {
		w.Applied = domain.Inputs{}
		for stream, in := range a.read {
			w.Applied[stream] = in.EventID
		}
	}
	return w
}

// MatchItem runs the policy for one item on trig, as the input event or
// sweep trig names would have: the replay recomputes a run with it.
func (a *App) MatchItem(ctx context.Context, trig Trigger, item string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.matchItem(ctx, trig, item)
}

// Actor is the organization calling a route.
type Actor struct {
	OrgID string
	Role  string
	// RequestKey names the call when it carries an Idempotency-Key
	// (httpx.RequestKey): a command sent again with it after the process
	// died between its write and its idempotency record answers what the
	// first try made instead of making it again (domain.Allocation.Made).
	RequestKey string
}

// policyZone is the clock the policy's "today" is read on: needed-by dates
// are dates in China Standard Time (UTC+8, no daylight saving).
var policyZone = time.FixedZone("CST", 8*60*60)

// Today is the run's date: the trigger's time in China Standard Time. It
// comes from the event, not the wall clock, so a replay decides the same.
func Today(t time.Time) time.Time { return t.In(policyZone) }
