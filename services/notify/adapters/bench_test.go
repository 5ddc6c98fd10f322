package adapters_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/aidflow/aidflow/services/notify/app"
	"github.com/aidflow/aidflow/services/notify/domain"
	"github.com/aidflow/aidflow/shared/testkit"
)

// BenchmarkQueueForADeadReceiver measures queueing one notification for a
// subscription whose receiver is down, on the embedded store, with a
// backlog of 10 and of 9,999 deliveries already waiting (the last one a
// full queue, domain.MaxPending, takes): app.Publish (the live feed's append and the queueing: the
// delivery, its position, the subscription's count). Between operations,
// outside the timer, the head moves on by one so the backlog stays as
// given. Results in README.md.
func BenchmarkQueueForADeadReceiver(b *testing.B) {
	client := testkit.MongoClient(b, testkit.SharedMongo(b))
	for _, backlog := range []int{10, domain.MaxPending - 1} {
		b.Run(fmt.Sprintf("backlog=%d", backlog), func(b *testing.B) {
			ctx := context.Background()
			repo, s := withSubscription(b, client.Database(testkit.DBName(b)), domain.NeedAllocated, domain.StatusPaused)
			now := s.CreatedAt
			notification := func(i int) domain.Notification {
				return domain.Notification{ID: fmt.Sprintf("ntf_%07d", i), Type: domain.NeedAllocated, Time: now, Subject: "alloc_1", OrgID: "h1",
					Data: map[string]any{"allocation_id": "alloc_1", "need_id": "need_1", "item": "n95-respirator", "quantity": 2000}}
			}
			// The backlog as queueing leaves it: each delivery and its position.
			for i := 1; i <= backlog; i++ {
				d := domain.NewDelivery(s, notification(i), now)
				d.Position = int64(i)
				if _, err := repo.AddDelivery(ctx, d); err != nil {
					b.Fatal(err)
				}
				if err := repo.PutQueued(ctx, s.ID, d.Position, d.ID); err != nil {
					b.Fatal(err)
				}
			}
			if _, err := repo.UpdateSubscription(ctx, s.ID, func(x *domain.Subscription) error { x.Queued = int64(backlog); return nil }); err != nil {
				b.Fatal(err)
			}
			a := app.New(repo, nil, app.Settings{}, nil)
			b.ResetTimer()
			for i := range b.N {
				if _, err := a.Publish(ctx, notification(backlog+1+i)); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				got, err := repo.UpdateSubscription(ctx, s.ID, func(x *domain.Subscription) error { x.Finished++; return nil })
				if err != nil || got.Pending() != int64(backlog) || got.Dropped != 0 {
					b.Fatalf("backlog %d, dropped %d: %v", got.Pending(), got.Dropped, err)
				}
				b.StartTimer()
			}
		})
	}
}
