package outbox

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/aidflow/aidflow/shared/failpoint"
	"github.com/aidflow/aidflow/shared/keymutex"
	"github.com/aidflow/aidflow/shared/logging"
)

// Publisher sends an encoded event and returns once the broker stored it.
type Publisher interface {
	PublishRaw(ctx context.Context, subject, id string, data []byte) error
}

type ref struct {
	coll *mongo.Collection
	id   any
}

// watched is a collection the relay sweeps, and the documents of it that
// are this process's to sweep.
type watched struct {
	coll  *mongo.Collection
	scope bson.D // nil: every document
}

// Relay publishes the events that aggregates hold in their outbox.
type Relay struct {
	pub     Publisher
	log     *slog.Logger
	watched []watched

	workers []chan ref
	mu      sync.Mutex
	// queued holds aggregates waiting for a worker, so a burst of writes to
	// one aggregate is relayed in one read.
	queued   map[string]bool
	locks    keymutex.Map // serialises updates of one aggregate (see Update)
	overflow bool
	wg       sync.WaitGroup

	// BeforePublish and AfterPublish, when set, run around each publish:
	// failpoints for tests that kill the process between the write and the
	// publish, and between the publish and the removal from the outbox.
	BeforePublish, AfterPublish func()
	// AfterStartSweep, when set, runs once the start-up sweep is done.
	AfterStartSweep func()
	// Owns, when set, says whether this process writes the watched
	// documents now; while it answers false, sweeps take nothing. A
	// standby instance sets it (its active peer writes the documents, and
	// a removal from here would race that peer's updates, see Update) and
	// calls Sweep once it becomes the writer. Set it before Run.
	Owns func() bool
}

// SweepEvery is how often the relay sweeps again after a notification
// could not be queued.
const SweepEvery = 5 * time.Second

// LateSweeps are the sweeps after the start-up one, counted from start:
// they find the entries of writes that the previous process sent before it
// crashed and that the database applied only after the start-up sweep
// (found by the fault suite, e2e/faults).
var LateSweeps = []time.Duration{SweepEvery, 6 * SweepEvery}

// BackstopSweepEvery is how often the relay sweeps regardless, the last
// line for an entry nothing notified. A sweep reads whole collections, so
// it is rare.
const BackstopSweepEvery = 10 * time.Minute

// Workers is how many aggregates are relayed at once. One aggregate always
// goes to the same worker, so its events keep their order.
const Workers = 4

// NewRelay publishes through pub.
func NewRelay(pub Publisher, log *slog.Logger) *Relay {
	if log == nil {
		log = logging.Discard()
	}
	r := &Relay{pub: pub, log: log, queued: map[string]bool{}}
	for range Workers {
		r.workers = append(r.workers, make(chan ref, 1024))
	}
	return r
}

// Watch registers collections whose documents may hold outbox entries and
// that only this process writes; Run sweeps them at start and later.
func (r *Relay) Watch(colls ...*mongo.Collection) {
	for _, c := range colls {
		r.watched = append(r.watched, watched{coll: c})
	}
}

// WatchScoped registers coll, which other processes write too, for its
// documents that match scope (a filter such as {item: {$in: [...]}}): the
// ones this process writes. Sweeps take only those. Another writer's
// documents are its own relay's: removing their published entries from
// here would be a second, concurrent update of a document its owner may be
// updating, and FerretDB loses one of two such updates (see Update).
func (r *Relay) WatchScoped(coll *mongo.Collection, scope bson.D) {
	r.watched = append(r.watched, watched{coll: coll, scope: scope})
}

func key(c *mongo.Collection, id any) string { return fmt.Sprintf("%s\x00%v", c.Name(), id) }

// Notify asks the relay to publish the aggregate's pending events.
func (r *Relay) Notify(coll *mongo.Collection, id any) {
	k := key(coll, id)
	r.mu.Lock()
	if r.queued[k] {
		r.mu.Unlock()
		return
	}
	r.queued[k] = true
	r.mu.Unlock()
	h := fnv.New32a()
	h.Write([]byte(k))
	select {
	case r.workers[h.Sum32()%uint32(len(r.workers))] <- ref{coll, id}:
	default:
		// The broker is behind: never block the writer. The aggregate keeps
		// its entries and the next periodic sweep finds it.
		r.mu.Lock()
		delete(r.queued, k)
		r.overflow = true
		r.mu.Unlock()
	}
}

// Run sweeps every watched collection for events left behind by a crash,
// then relays notified aggregates until ctx ends. Failed publishes are
// retried with backoff; nothing is dropped while the process lives, and
// what a crash leaves is found by the next sweep.
func (r *Relay) Run(ctx context.Context) error {
	for i := range r.workers {
		r.wg.Add(1)
		go r.work(ctx, r.workers[i])
	}
	r.sweep(ctx)
	if r.AfterStartSweep != nil {
		r.AfterStartSweep()
	}
	tick := time.NewTicker(SweepEvery)
	defer tick.Stop()
	lastSweep := time.Now()
	ticks, lateDone := 0, 0
	for {
		select {
		case <-ctx.Done():
			r.wg.Wait()
			return nil
		case now := <-tick.C:
			r.mu.Lock()
			again := r.overflow
			r.overflow = false
			r.mu.Unlock()
			// Writes a crashed predecessor sent just before it died can
			// land after the start-up sweep (the server finishes them
			// without the client), and nothing notifies their entries:
			// sweep again shortly after start, and now and then anyway.
			ticks++
			if lateDone < len(LateSweeps) && time.Duration(ticks)*SweepEvery >= LateSweeps[lateDone] {
				lateDone++
				again = true
			}
			if now.Sub(lastSweep) >= BackstopSweepEvery {
				again = true
			}
			if again {
				lastSweep = now
				r.sweep(ctx)
			}
		}
	}
}

func (r *Relay) sweep(ctx context.Context) {
	n, err := r.Sweep(ctx)
	if err != nil && ctx.Err() == nil {
		r.log.Error("outbox sweep", "err", err)
	}
	if n > 0 {
		r.log.Debug("outbox sweep found pending events", "aggregates", n)
	}
}

// Sweep notifies every aggregate in scope that still holds outbox entries
// and returns how many it found (none while the process does not own
// them, see Owns). It reads whole collections, so it runs at
// start and rarely after, never on a request path.
func (r *Relay) Sweep(ctx context.Context) (int, error) {
	if r.Owns != nil && !r.Owns() {
		return 0, nil
	}
	var errs []error
	n := 0
	for _, w := range r.watched {
		c := w.coll
		filter := append(bson.D{{Key: Field + ".0", Value: bson.D{{Key: "$exists", Value: true}}}}, w.scope...)
		cur, err := c.Find(ctx, filter, options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for cur.Next(ctx) {
			var d struct {
				ID any `bson:"_id"`
			}
			if err := cur.Decode(&d); err == nil {
				r.Notify(c, d.ID)
				n++
			}
		}
		errs = append(errs, cur.Err())
		_ = cur.Close(ctx)
	}
	return n, errors.Join(errs...)
}

func (r *Relay) work(ctx context.Context, in chan ref) {
	defer r.wg.Done()
	for {
		select {
		case <-ctx.Done():
			return
		case x := <-in:
			r.mu.Lock()
			delete(r.queued, key(x.coll, x.id))
			r.mu.Unlock()
			for attempt := 0; ; attempt++ {
				err := r.relay(ctx, x)
				if err == nil || ctx.Err() != nil {
					break
				}
				delay := min(time.Duration(1<<min(attempt, 6))*100*time.Millisecond, 5*time.Second)
				r.log.Warn("outbox relay failed; retrying", "collection", x.coll.Name(), "id", x.id, "delay", delay, "err", err)
				select {
				case <-ctx.Done():
					return
				case <-time.After(delay):
				}
			}
		}
	}
}

func (r *Relay) relay(ctx context.Context, x ref) error {
	var d struct {
		Outbox []Entry `bson:"outbox"`
	}
	err := x.coll.FindOne(ctx, bson.D{{Key: "_id", Value: x.id}}, options.FindOne().SetProjection(bson.D{{Key: Field, Value: 1}})).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil
	}
	if err != nil {
		return err
	}
	if len(d.Outbox) == 0 {
		return nil
	}
	failpoint.Hit(failpoint.OutboxBeforePublish)
	for _, e := range d.Outbox {
		if r.BeforePublish != nil {
			r.BeforePublish()
		}
		if err := r.pub.PublishRaw(ctx, e.Subject, e.ID, []byte(e.Payload)); err != nil {
			return err
		}
		if r.AfterPublish != nil {
			r.AfterPublish()
		}
	}
	unlock := r.locks.Lock(key(x.coll, x.id))
	defer unlock()
	_, err = x.coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: x.id}}, bson.D{{Key: "$pullAll", Value: bson.D{{Key: Field, Value: d.Outbox}}}})
	return err
}
