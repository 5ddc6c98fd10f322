package app_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/aidflow/aidflow/services/notify/adapters/memory"
	"github.com/aidflow/aidflow/services/notify/app"
	"github.com/aidflow/aidflow/services/notify/domain"
	"github.com/aidflow/aidflow/shared/auth"
)

var errCrash = errors.New("the process stopped here")

// crashingRepo stops at one of the writes that queue a delivery, as a
// killed process would: the write named before is not made, the write
// named after is made and then nothing else; every later write fails.
type crashingRepo struct {
	domain.Repository
	before, after string
	crashed       bool
}

func (c *crashingRepo) write(name string, do func() error) error {
	if c.crashed || c.before == name {
		c.crashed = true
		return errCrash
	}
	if err := do(); err != nil {
		return err
	}
	if c.after == name {
		c.crashed = true
		return errCrash
	}
	return nil
}

func (c *crashingRepo) AddDelivery(ctx context.Context, d domain.Delivery) (created bool, err error) {
	err = c.write("AddDelivery", func() (err error) { created, err = c.Repository.AddDelivery(ctx, d); return err })
	return created, err
}

func (c *crashingRepo) SaveDelivery(ctx context.Context, d domain.Delivery) error {
	return c.write("SaveDelivery", func() error { return c.Repository.SaveDelivery(ctx, d) })
}

func (c *crashingRepo) PutQueued(ctx context.Context, sub string, pos int64, id string) error {
	return c.write("PutQueued", func() error { return c.Repository.PutQueued(ctx, sub, pos, id) })
}

func (c *crashingRepo) UpdateSubscription(ctx context.Context, id string, change func(*domain.Subscription) error) (s domain.Subscription, err error) {
	err = c.write("UpdateSubscription", func() (err error) { s, err = c.Repository.UpdateSubscription(ctx, id, change); return err })
	return s, err
}

// queue lists a subscription's pending deliveries, oldest first, by the
// subjects of their notifications.
func queue(t *testing.T, repo domain.Repository, id string) []string {
	t.Helper()
	ctx := context.Background()
	s, err := repo.Subscription(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for pos := s.Head(); pos <= s.Queued; pos++ {
		did, err := repo.QueuedAt(ctx, id, pos)
		if err != nil {
			t.Fatalf("position %d of %d…%d: %v", pos, s.Head(), s.Queued, err)
		}
		d, err := repo.Delivery(ctx, did)
		if err != nil || d.Position != pos {
			t.Fatalf("position %d names %s: %+v %v", pos, did, d, err)
		}
		out = append(out, d.Subject)
	}
	return out
}

// A process stopped anywhere while queueing a delivery, restarted and
// given the event again (JetStream redelivers what was not acknowledged)
// queues it exactly once, also when another notification was queued
// between the stop and the replay.
func TestQueueingSurvivesAStopAtEveryStep(t *testing.T) {
	ctx := context.Background()
	for _, stop := range []struct{ before, after string }{
		{before: "AddDelivery"}, {before: "PutQueued"}, {before: "UpdateSubscription"}, {after: "UpdateSubscription"},
	} {
		for _, between := range []bool{false, true} {
			t.Run(fmt.Sprintf("before %s after %s, another queued in between %v", stop.before, stop.after, between), func(t *testing.T) {
				repo := memory.New()
				targets, _ := domain.ParseTargetPolicy([]string{"127.0.0.1"}, true)
				settings := app.Settings{Targets: targets, Retry: domain.DefaultRetry}
				first := app.New(repo, &fakeSender{}, settings, nil)
				s := subscribe(t, first, claims("h1", auth.Hospital), domain.NeedAllocated)
				if err := first.HandleEvent(ctx, proposed("a0", "h1", "m1")); err != nil {
					t.Fatal(err)
				}
				crashing := app.New(&crashingRepo{Repository: repo, before: stop.before, after: stop.after}, &fakeSender{}, settings, nil)
				if err := crashing.HandleEvent(ctx, proposed("a1", "h1", "m1")); !errors.Is(err, errCrash) {
					t.Fatalf("the stop: %v", err)
				}

				restarted := app.New(repo, &fakeSender{}, settings, nil)
				order := []string{"a1", "a2"}
				if between && stop.after == "" { // stopped before a1 was counted
					order = []string{"a2", "a1"}
				}
				for _, id := range append(order, "a1", "a2") { // and replays of both
					if err := restarted.HandleEvent(ctx, proposed(id, "h1", "m1")); err != nil {
						t.Fatal(err)
					}
				}
				if got, want := queue(t, repo, s.ID), append([]string{"a0"}, order...); !slices.Equal(got, want) {
					t.Fatalf("queue %v, want %v", got, want)
				}
				log, err := restarted.ListDeliveries(ctx, claims("h1", auth.Hospital), s.ID, "", 50)
				if err != nil || len(log) != 3 || log[0].Subject != order[1] || log[2].Subject != "a0" {
					t.Fatalf("log %+v %v", log, err)
				}
			})
		}
	}
}

func TestAFullQueueCountsWhatItDrops(t *testing.T) {
	ctx := context.Background()
	a, repo := newApp(t, &fakeSender{}, domain.DefaultRetry)
	s := subscribe(t, a, claims("h1", auth.Hospital), domain.NeedAllocated)
	// A queue one short of full (positions beyond the head are not read
	// to count it).
	if _, err := repo.UpdateSubscription(ctx, s.ID, func(x *domain.Subscription) error {
		x.Queued, x.Finished = domain.MaxPending+40, 41
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"a1", "a2", "a3"} {
		if err := a.HandleEvent(ctx, proposed(id, "h1", "m1")); err != nil {
			t.Fatal(err)
		}
	}
	got, _ := repo.Subscription(ctx, s.ID)
	if got.Pending() != domain.MaxPending || got.Dropped != 2 {
		t.Fatalf("pending %d, dropped %d", got.Pending(), got.Dropped)
	}
	did, err := repo.QueuedAt(ctx, s.ID, got.Queued)
	if d, _ := repo.Delivery(ctx, did); err != nil || d.Subject != "a1" || d.Position != got.Queued {
		t.Fatalf("the last place went to a1: %q %+v %v", did, d, err)
	}
	if feed, _ := repo.FeedSince(ctx, "h1", 0); len(feed) != 3 {
		t.Fatalf("the live feed still has every notification: %d", len(feed))
	}
}

func TestTheDeliveryLogPagesThroughTheQueueAndTheFinished(t *testing.T) {
	ctx := context.Background()
	a, repo := newApp(t, &fakeSender{}, domain.DefaultRetry)
	h1 := claims("h1", auth.Hospital)
	s := subscribe(t, a, h1, domain.NeedAllocated)
	for i := range 5 {
		if err := a.HandleEvent(ctx, proposed(fmt.Sprintf("a%d", i), "h1", "m1")); err != nil {
			t.Fatal(err)
		}
	}
	// The first two are finished (as the dispatcher does it).
	for pos := int64(1); pos <= 2; pos++ {
		did, _ := repo.QueuedAt(ctx, s.ID, pos)
		d, _ := repo.Delivery(ctx, did)
		d.Status = domain.DeliveryDelivered
		_ = repo.SaveDelivery(ctx, d)
		_, _ = repo.UpdateSubscription(ctx, s.ID, func(x *domain.Subscription) error { x.Finish(pos, did); return nil })
		_ = repo.DeleteQueued(ctx, s.ID, pos)
	}
	var got []string
	after := ""
	for range 10 {
		page, err := a.ListDeliveries(ctx, h1, s.ID, after, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		for _, d := range page {
			got = append(got, d.Subject+" "+d.Status)
		}
		after = page[len(page)-1].ID
	}
	want := []string{"a4 pending", "a3 pending", "a2 pending", "a1 delivered", "a0 delivered"}
	if !slices.Equal(got, want) {
		t.Fatalf("pages %v, want %v", got, want)
	}
}
