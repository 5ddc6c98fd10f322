// Package adapterstest is the repository suite every domain.Repository of
// the notify service passes, so the in-memory fake cannot drift from Mongo.
package adapterstest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aidflow/aidflow/services/notify/domain"
)

// Subject is one repository under test.
type Subject struct {
	Repo domain.Repository
	// Reopen returns a repository over the same data, as after a restart.
	Reopen func(t *testing.T) domain.Repository
}

var now = time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)

func sub(id, org string) domain.Subscription {
	return domain.Subscription{ID: id, OrgID: org, Role: "hospital", URL: "https://h.example/" + id, Events: []string{domain.NeedStale},
		Secret: "whsec_" + id, Status: domain.StatusActive, Recent: []string{}, CreatedAt: now, UpdatedAt: now}
}

func notification(id string) domain.Notification {
	return domain.Notification{ID: id, Type: domain.NeedStale, Time: now, Subject: "need-1", OrgID: "o1",
		Data: map[string]any{"need_id": "need-1", "quantity": 5}}
}

// RunRepositorySuite runs every check on a fresh subject from open.
func RunRepositorySuite(t *testing.T, open func(t *testing.T) Subject) {
	ctx := context.Background()

	t.Run("subscriptions round trip and survive a restart", func(t *testing.T) {
		s := open(t)
		if err := s.Repo.CreateSubscription(ctx, sub("whk_b", "o1")); err != nil {
			t.Fatal(err)
		}
		if err := s.Repo.CreateSubscription(ctx, sub("whk_a", "o2")); err != nil {
			t.Fatal(err)
		}
		got, err := s.Repo.UpdateSubscription(ctx, "whk_b", func(x *domain.Subscription) error {
			x.Queued, x.Finished = 5, 3
			x.Record(domain.Attempt{At: now, StatusCode: 500}, 1)
			return nil
		})
		if err != nil || got.Status != domain.StatusPaused || got.Pending() != 2 {
			t.Fatalf("update %+v %v", got, err)
		}
		for _, r := range []domain.Repository{s.Repo, s.Reopen(t)} {
			all, err := r.Subscriptions(ctx)
			if err != nil || len(all) != 2 || all[0].ID != "whk_a" || all[1].ID != "whk_b" {
				t.Fatalf("list %+v %v", all, err)
			}
			b, err := r.Subscription(ctx, "whk_b")
			if err != nil || b.Secret != "whsec_whk_b" || b.Status != domain.StatusPaused || b.PausedReason == "" ||
				b.Queued != 5 || b.Finished != 3 || b.LastStatus != 500 || !b.CreatedAt.Equal(now) || b.Events[0] != domain.NeedStale {
				t.Fatalf("get %+v %v", b, err)
			}
		}
		if _, err := s.Repo.Subscription(ctx, "nope"); !errors.Is(err, domain.ErrSubscriptionNotFound) {
			t.Fatalf("missing: %v", err)
		}
		if _, err := s.Repo.UpdateSubscription(ctx, "nope", func(*domain.Subscription) error { return nil }); !errors.Is(err, domain.ErrSubscriptionNotFound) {
			t.Fatalf("update missing: %v", err)
		}
	})

	t.Run("a refused change stores nothing", func(t *testing.T) {
		s := open(t)
		_ = s.Repo.CreateSubscription(ctx, sub("whk_1", "o1"))
		boom := errors.New("boom")
		if _, err := s.Repo.UpdateSubscription(ctx, "whk_1", func(x *domain.Subscription) error { x.Status = domain.StatusPaused; return boom }); !errors.Is(err, boom) {
			t.Fatal(err)
		}
		for _, r := range []domain.Repository{s.Repo, s.Reopen(t)} {
			if got, _ := r.Subscription(ctx, "whk_1"); got.Status != domain.StatusActive {
				t.Fatalf("status %s", got.Status)
			}
		}
	})

	t.Run("concurrent updates of one subscription all land", func(t *testing.T) {
		s := open(t)
		_ = s.Repo.CreateSubscription(ctx, sub("whk_1", "o1"))
		var wg sync.WaitGroup
		for range 20 {
			wg.Go(func() {
				if _, err := s.Repo.UpdateSubscription(ctx, "whk_1", func(x *domain.Subscription) error {
					x.Queued++
					return nil
				}); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if got, _ := s.Reopen(t).Subscription(ctx, "whk_1"); got.Pending() != 20 {
			t.Fatalf("pending %d of 20", got.Pending())
		}
	})

	t.Run("deliveries are created once and saved", func(t *testing.T) {
		s := open(t)
		sb := sub("whk_1", "o1")
		_ = s.Repo.CreateSubscription(ctx, sb)
		d := domain.NewDelivery(sb, notification("ntf_1"), now)
		for i, want := range []bool{true, false} {
			created, err := s.Repo.AddDelivery(ctx, d)
			if err != nil || created != want {
				t.Fatalf("add #%d: %v %v", i, created, err)
			}
		}
		d.Apply(domain.Attempt{At: now.Add(time.Second), StatusCode: 502, Duration: 15 * time.Millisecond}, domain.DefaultRetry)
		d.Apply(domain.Attempt{At: now.Add(time.Minute), Error: "no answer within 10s", Duration: 10 * time.Second}, domain.DefaultRetry)
		if err := s.Repo.SaveDelivery(ctx, d); err != nil {
			t.Fatal(err)
		}
		r := s.Reopen(t)
		got, err := r.Delivery(ctx, d.ID)
		if err != nil || string(got.Body) != string(d.Body) || got.Tries != 2 || len(got.Attempts) != 2 ||
			got.Attempts[0].StatusCode != 502 || got.Attempts[1].Error != "no answer within 10s" ||
			got.Attempts[1].Duration != 10*time.Second || !got.NextAt.Equal(d.NextAt) || !got.FirstTriedAt.Equal(now.Add(time.Second)) ||
			got.Status != domain.DeliveryPending || got.SubscriptionID != "whk_1" || got.Event != domain.NeedStale {
			t.Fatalf("delivery %+v %v", got, err)
		}
		if _, err := r.Delivery(ctx, "nope"); !errors.Is(err, domain.ErrDeliveryNotFound) {
			t.Fatal(err)
		}
		if err := r.SaveDelivery(ctx, domain.Delivery{ID: "nope"}); !errors.Is(err, domain.ErrDeliveryNotFound) {
			t.Fatal(err)
		}
		if err := r.DeleteDelivery(ctx, d.ID); err != nil {
			t.Fatal(err)
		}
		if err := r.DeleteDelivery(ctx, d.ID); err != nil {
			t.Fatalf("deleting a missing delivery: %v", err)
		}
		if _, err := s.Reopen(t).Delivery(ctx, d.ID); !errors.Is(err, domain.ErrDeliveryNotFound) {
			t.Fatalf("deleted delivery: %v", err)
		}
	})

	t.Run("queue positions round trip and survive a restart", func(t *testing.T) {
		s := open(t)
		for _, q := range []struct {
			sub string
			pos int64
			id  string
		}{{"whk_1", 1, "d1"}, {"whk_1", 2, "d2"}, {"whk_1", 3, "stale"}, {"whk_1", 3, "d3"}, {"whk_2", 1, "e1"}, {"whk_1", 10, "d10"}} {
			if err := s.Repo.PutQueued(ctx, q.sub, q.pos, q.id); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Repo.DeleteQueued(ctx, "whk_1", 1); err != nil {
			t.Fatal(err)
		}
		if err := s.Repo.DeleteQueued(ctx, "whk_1", 1); err != nil {
			t.Fatalf("deleting a missing position: %v", err)
		}
		r := s.Reopen(t)
		for pos, want := range map[int64]string{2: "d2", 3: "d3", 10: "d10"} {
			if got, err := r.QueuedAt(ctx, "whk_1", pos); err != nil || got != want {
				t.Errorf("position %d: %q %v, want %q", pos, got, err, want)
			}
		}
		if got, err := r.QueuedAt(ctx, "whk_2", 1); err != nil || got != "e1" {
			t.Errorf("another subscription's position 1: %q %v", got, err)
		}
		for _, pos := range []int64{1, 4, 0} {
			if _, err := r.QueuedAt(ctx, "whk_1", pos); !errors.Is(err, domain.ErrDeliveryNotFound) {
				t.Errorf("position %d: %v", pos, err)
			}
		}
		d := domain.NewDelivery(sub("whk_1", "o1"), notification("ntf_1"), now)
		d.Position = 7
		_, _ = r.AddDelivery(ctx, d)
		if got, _ := s.Reopen(t).Delivery(ctx, d.ID); got.Position != 7 {
			t.Fatalf("position of a delivery: %d", got.Position)
		}
	})

	t.Run("deleting a subscription deletes its queue and deliveries", func(t *testing.T) {
		s := open(t)
		sb := sub("whk_1", "o1")
		_ = s.Repo.CreateSubscription(ctx, sb)
		var ids []string
		for i := 1; i <= 3; i++ {
			d := domain.NewDelivery(sb, notification(fmt.Sprintf("ntf_%d", i)), now)
			d.Position = int64(i)
			ids = append(ids, d.ID)
			_, _ = s.Repo.AddDelivery(ctx, d)
			_ = s.Repo.PutQueued(ctx, sb.ID, d.Position, d.ID)
		}
		// The first was delivered (in the log), two are pending.
		_, _ = s.Repo.UpdateSubscription(ctx, sb.ID, func(x *domain.Subscription) error {
			x.Queued = 3
			x.Finish(1, ids[0])
			return nil
		})
		_ = s.Repo.DeleteQueued(ctx, sb.ID, 1)
		if err := s.Repo.DeleteSubscription(ctx, sb.ID); err != nil {
			t.Fatal(err)
		}
		r := s.Reopen(t)
		if _, err := r.Subscription(ctx, sb.ID); !errors.Is(err, domain.ErrSubscriptionNotFound) {
			t.Fatal("still there")
		}
		for _, id := range ids {
			if _, err := r.Delivery(ctx, id); !errors.Is(err, domain.ErrDeliveryNotFound) {
				t.Fatalf("delivery %s left behind", id)
			}
		}
		for pos := int64(1); pos <= 3; pos++ {
			if _, err := r.QueuedAt(ctx, sb.ID, pos); !errors.Is(err, domain.ErrDeliveryNotFound) {
				t.Fatalf("position %d left behind", pos)
			}
		}
		if err := r.DeleteSubscription(ctx, sb.ID); !errors.Is(err, domain.ErrSubscriptionNotFound) {
			t.Fatal(err)
		}
	})

	t.Run("a feed numbers, dedups and bounds its backlog", func(t *testing.T) {
		s := open(t)
		for i := 1; i <= 5; i++ {
			e, appended, err := s.Repo.AppendFeed(ctx, "o1", notification(fmt.Sprintf("ntf_%d", i)), 3)
			if err != nil || !appended || e.Seq != int64(i) {
				t.Fatalf("append %d: %+v %v %v", i, e, appended, err)
			}
		}
		e, appended, err := s.Repo.AppendFeed(ctx, "o1", notification("ntf_5"), 3)
		if err != nil || appended || e.Seq != 5 {
			t.Fatalf("the same notification again: %+v %v %v", e, appended, err)
		}
		_, _, _ = s.Repo.AppendFeed(ctx, "o2", notification("ntf_x"), 3)
		r := s.Reopen(t)
		got, err := r.FeedSince(ctx, "o1", 0)
		if err != nil || len(got) != 3 || got[0].Seq != 3 || got[2].Seq != 5 || got[2].Notification.ID != "ntf_5" ||
			got[2].Notification.Type != domain.NeedStale || got[2].Notification.Data["need_id"] != "need-1" || !got[2].Notification.Time.Equal(now) {
			t.Fatalf("backlog %+v %v", got, err)
		}
		if got, _ := r.FeedSince(ctx, "o1", 4); len(got) != 1 || got[0].Seq != 5 {
			t.Fatalf("since 4: %+v", got)
		}
		if got, _ := r.FeedSince(ctx, "nobody", 0); len(got) != 0 {
			t.Fatalf("empty feed: %+v", got)
		}
		if e, appended, _ := r.AppendFeed(ctx, "o1", notification("ntf_6"), 3); !appended || e.Seq != 6 {
			t.Fatalf("numbering after a restart: %+v", e)
		}
	})

	t.Run("watches", func(t *testing.T) {
		s := open(t)
		for i, at := range []time.Duration{time.Hour, 3 * time.Hour, 10 * time.Hour} {
			w := domain.Watch{AllocationID: fmt.Sprintf("a%d", i), OrgID: "m1", Version: 1, ExpiresAt: now.Add(at), Data: map[string]any{"item": "goggles"}}
			if err := s.Repo.PutWatch(ctx, w); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Repo.DeleteWatch(ctx, "a0"); err != nil {
			t.Fatal(err)
		}
		if err := s.Repo.DeleteWatch(ctx, "never"); err != nil {
			t.Fatal(err)
		}
		r := s.Reopen(t)
		due, err := r.WatchesDue(ctx, now.Add(6*time.Hour))
		if err != nil || len(due) != 1 || due[0].AllocationID != "a1" || due[0].OrgID != "m1" || !due[0].ExpiresAt.Equal(now.Add(3*time.Hour)) || due[0].Data["item"] != "goggles" {
			t.Fatalf("due %+v %v", due, err)
		}
		if due, _ := r.WatchesDue(ctx, now.Add(3*time.Hour)); len(due) != 1 {
			t.Fatalf("a watch expiring exactly then is due: %+v", due)
		}
	})
}
