package app

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/aidflow/aidflow/services/notify/domain"
)

// Dispatcher delivers each subscription's queue in order, one worker per
// subscription: the oldest pending delivery is made (retried on its
// schedule) until it is delivered or given up, then the next. One slow or
// dead receiver holds up only its own queue. Everything a worker needs is
// in the database, so a restart carries on where it stopped; an attempt
// cut short by the stop is not recorded and is made again.
type Dispatcher struct {
	app *App

	mu      sync.Mutex
	ctx     context.Context
	wg      sync.WaitGroup
	workers map[string]chan struct{}
}

func newDispatcher(a *App) *Dispatcher {
	return &Dispatcher{app: a, workers: map[string]chan struct{}{}}
}

// repoRetry is the wait after a failed database read or write.
const repoRetry = time.Second

// Run starts a worker for every subscription and blocks until ctx ends,
// then waits for the workers.
func (d *Dispatcher) Run(ctx context.Context) error {
	subs, err := d.app.Repo.Subscriptions(ctx)
	if err != nil {
		return err
	}
	d.mu.Lock()
	d.ctx = ctx
	d.mu.Unlock()
	for _, s := range subs {
		d.Wake(s.ID)
	}
	<-ctx.Done()
	d.mu.Lock()
	d.ctx = nil
	d.mu.Unlock()
	d.wg.Wait()
	return nil
}

// Wake tells a subscription's worker to look at its queue again,
// starting the worker if it has none. Before Run it does nothing; Run
// looks at every queue.
func (d *Dispatcher) Wake(subscriptionID string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.ctx == nil {
		return
	}
	w, ok := d.workers[subscriptionID]
	if !ok {
		w = make(chan struct{}, 1)
		d.workers[subscriptionID] = w
		d.wg.Add(1)
		go d.work(d.ctx, subscriptionID, w)
	}
	select {
	case w <- struct{}{}:
	default:
	}
}

func (d *Dispatcher) done(id string) {
	d.mu.Lock()
	delete(d.workers, id)
	d.mu.Unlock()
	d.wg.Done()
}

// wait blocks until t, a wake, or the end of ctx; false when ctx ended.
func wait(ctx context.Context, wake <-chan struct{}, t time.Duration) bool {
	var timer <-chan time.Time
	if t >= 0 {
		tm := time.NewTimer(t)
		defer tm.Stop()
		timer = tm.C
	}
	select {
	case <-ctx.Done():
		return false
	case <-wake:
	case <-timer:
	}
	return true
}

func (d *Dispatcher) work(ctx context.Context, id string, wake chan struct{}) {
	defer d.done(id)
	a := d.app
	log := a.Log.With("subscription_id", id)
	for ctx.Err() == nil {
		s, err := a.Repo.Subscription(ctx, id)
		if errors.Is(err, domain.ErrSubscriptionNotFound) {
			return // deleted
		}
		if err != nil {
			log.WarnContext(ctx, "read subscription", "err", err)
			wait(ctx, nil, repoRetry)
			continue
		}
		if s.Status != domain.StatusActive || s.Pending() == 0 {
			if !wait(ctx, wake, -1) {
				return
			}
			continue
		}
		pos := s.Head()
		did, err := a.Repo.QueuedAt(ctx, id, pos)
		var del domain.Delivery
		if err == nil {
			del, err = a.Repo.Delivery(ctx, did)
		}
		switch {
		case errors.Is(err, domain.ErrDeliveryNotFound):
			// A position or delivery that is gone (deleted with a
			// subscription of the same id, which cannot recur): move on
			// rather than block the queue.
			err = d.finish(ctx, id, pos, did, nil, true)
		case err == nil && del.Status != domain.DeliveryPending:
			// Finished, but the stop came before the queue moved on.
			err = d.finish(ctx, id, pos, del.ID, nil, true)
		case err == nil:
			if due := del.NextAt.Sub(a.Now()); due > 0 {
				if !wait(ctx, wake, due) {
					return
				}
				continue
			}
			err = d.attempt(ctx, s, pos, del)
		}
		if err != nil && ctx.Err() == nil {
			log.WarnContext(ctx, "delivery bookkeeping failed; will retry", "err", err)
			wait(ctx, nil, repoRetry)
		}
	}
}

// attempt makes one try of del and records it on the delivery and the
// subscription.
func (d *Dispatcher) attempt(ctx context.Context, s domain.Subscription, pos int64, del domain.Delivery) error {
	a := d.app
	at := a.Sender.Send(ctx, s, del)
	if ctx.Err() != nil {
		// Stopped mid-attempt: that is not the receiver's answer, so it is
		// not recorded, and the next start makes the attempt again.
		return nil //nolint:nilerr // the stop is not this attempt's failure
	}
	del.Apply(at, a.Settings.Retry)
	if err := a.Repo.SaveDelivery(ctx, del); err != nil {
		return err
	}
	if !at.OK() {
		a.Log.InfoContext(ctx, "webhook delivery failed", "subscription_id", s.ID, "delivery_id", del.ID,
			"status", at.StatusCode, "err", at.Error, "tries", del.Tries, "outcome", del.Status)
	}
	return d.finish(ctx, s.ID, pos, del.ID, &at, del.Status != domain.DeliveryPending)
}

// finish records an attempt on the subscription (counting failures,
// pausing) and, when the delivery at the head (pos) is over, moves the
// queue on.
func (d *Dispatcher) finish(ctx context.Context, id string, pos int64, deliveryID string, at *domain.Attempt, over bool) error {
	a := d.app
	var evicted []string
	s, err := a.Repo.UpdateSubscription(ctx, id, func(s *domain.Subscription) error {
		if at != nil {
			s.Record(*at, a.Settings.Retry.PauseAfter)
		}
		if over {
			evicted = s.Finish(pos, deliveryID)
		}
		s.UpdatedAt = a.Now().UTC().Truncate(time.Millisecond)
		return nil
	})
	if errors.Is(err, domain.ErrSubscriptionNotFound) {
		return nil
	}
	// The position the queue left and the deliveries that left the log
	// are deleted after the subscription no longer counts them; a crash
	// in between leaves a document nothing reads, never a name without
	// its document.
	if err == nil && over {
		if derr := a.Repo.DeleteQueued(ctx, id, pos); derr != nil {
			a.Log.WarnContext(ctx, "delete a queue position", "position", pos, "err", derr)
		}
	}
	for _, old := range evicted {
		if derr := a.Repo.DeleteDelivery(ctx, old); derr != nil {
			a.Log.WarnContext(ctx, "delete an old delivery", "delivery_id", old, "err", derr)
		}
	}
	if err == nil && s.Status == domain.StatusPaused && at != nil && !at.OK() && s.ConsecutiveFailures == a.Settings.Retry.PauseAfter {
		a.Log.WarnContext(ctx, "webhook subscription paused", "subscription_id", id, "org_id", s.OrgID, "reason", s.PausedReason)
	}
	return err
}
