package app_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/notify/adapters/memory"
	"github.com/aidflow/aidflow/services/notify/app"
	"github.com/aidflow/aidflow/services/notify/domain"
	"github.com/aidflow/aidflow/shared/auth"
	"github.com/aidflow/aidflow/shared/testkit"
)

// fakeSender answers from a script and records every attempt.
type fakeSender struct {
	mu     sync.Mutex
	answer func(d domain.Delivery, n int) int // n: attempts of d so far, from 1
	sent   []string                           // "event subject" per attempt
	tries  map[string]int
}

func (f *fakeSender) Send(_ context.Context, _ domain.Subscription, d domain.Delivery) domain.Attempt {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.tries == nil {
		f.tries = map[string]int{}
	}
	f.tries[d.ID]++
	f.sent = append(f.sent, d.Event+" "+d.Subject)
	code := 204
	if f.answer != nil {
		code = f.answer(d, f.tries[d.ID])
	}
	return domain.Attempt{At: time.Now().UTC(), StatusCode: code}
}

func (f *fakeSender) attempts() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.sent)
}

func newApp(t *testing.T, s *fakeSender, retry domain.Retry) (*app.App, *memory.Repository) {
	t.Helper()
	repo := memory.New()
	targets, _ := domain.ParseTargetPolicy([]string{"127.0.0.1"}, true)
	return app.New(repo, s, app.Settings{Targets: targets, Retry: retry}, nil), repo
}

func claims(org, role string) auth.Claims {
	return auth.Claims{TokenID: org + ".t", OrgID: org, Role: role}
}

func subscribe(t *testing.T, a *app.App, c auth.Claims, evs ...string) domain.Subscription {
	t.Helper()
	s, err := a.CreateSubscription(context.Background(), c, "", domain.NewSubscriptionInput{URL: "http://127.0.0.1:9/" + c.OrgID, Events: evs})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func proposed(id, hosp, src string) events.Envelope {
	a := events.Allocation{AllocationID: id, Version: 1, NeedID: "n-" + id, HospitalID: hosp, Item: "goggles", Quantity: 10,
		SourceKind: "capacity", SourceOrgID: src, Status: "proposed"}
	return events.MustNew("matcher", events.AllocationEvent{Type: events.AllocationProposedType, Allocation: a},
		events.Meta{ID: "evt-" + id, Subject: id, OrgID: src, Item: "goggles"})
}

func TestHandleEventQueuesOnlyWhatWasAskedForByWhomItConcerns(t *testing.T) {
	ctx := context.Background()
	a, repo := newApp(t, &fakeSender{}, domain.DefaultRetry)
	h1, h2 := claims("h1", auth.Hospital), claims("h2", auth.Hospital)
	wantsAllocated := subscribe(t, a, h1, domain.NeedAllocated)
	wantsStale := subscribe(t, a, h1, domain.NeedStale)
	otherHospital := subscribe(t, a, h2, domain.NeedAllocated)
	mfr := subscribe(t, a, claims("m1", auth.Manufacturer), domain.AllocationProposed)
	reg1 := subscribe(t, a, claims("r1", auth.Regulator), domain.AnomalyRaised)
	reg2 := subscribe(t, a, claims("r2", auth.Regulator), domain.AnomalyRaised)

	for range 2 { // the second time is a replay: nothing new
		if err := a.HandleEvent(ctx, proposed("a1", "h1", "m1")); err != nil {
			t.Fatal(err)
		}
		if err := a.HandleEvent(ctx, events.MustNew("audit", events.AnomalyRaised{AnomalyID: "r:a1", Rule: "r"}, events.Meta{ID: "evt-anomaly"})); err != nil {
			t.Fatal(err)
		}
	}
	pending := map[string]int{}
	for _, s := range []domain.Subscription{wantsAllocated, wantsStale, otherHospital, mfr, reg1, reg2} {
		got, _ := repo.Subscription(ctx, s.ID)
		pending[got.OrgID+" "+fmt.Sprint(got.Events)] = int(got.Pending())
	}
	want := map[string]int{"h1 [need.allocated]": 1, "h1 [need.stale]": 0, "h2 [need.allocated]": 0,
		"m1 [allocation.proposed]": 1, "r1 [anomaly.raised]": 1, "r2 [anomaly.raised]": 1}
	if fmt.Sprint(pending) != fmt.Sprint(want) {
		t.Fatalf("queued %v, want %v", pending, want)
	}
	for key, n := range map[string]int{"h1": 1, "h2": 0, "m1": 1, domain.RoleFeed(auth.Regulator): 1} {
		if got, _ := repo.FeedSince(ctx, key, 0); len(got) != n {
			t.Errorf("feed %s holds %d, want %d", key, len(got), n)
		}
	}
}

func TestDispatcherKeepsOrderAndGivesUpAfterThePeriod(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	fs := &fakeSender{answer: func(d domain.Delivery, _ int) int {
		if d.Subject == "a1" {
			return 500 // never taken: given up after the period
		}
		return 200
	}}
	a, repo := newApp(t, fs, domain.Retry{Base: time.Millisecond, Max: 2 * time.Millisecond, Period: 30 * time.Millisecond})
	s := subscribe(t, a, claims("h1", auth.Hospital), domain.NeedAllocated)
	done := make(chan error, 1)
	go func() { done <- a.Dispatcher().Run(ctx) }()
	for _, id := range []string{"a1", "a2", "a3"} {
		if err := a.HandleEvent(ctx, proposed(id, "h1", "m1")); err != nil {
			t.Fatal(err)
		}
	}
	testkit.Eventually(t, 10*time.Second, func() bool {
		got, _ := repo.Subscription(ctx, s.ID)
		return got.Pending() == 0 && len(got.Recent) == 3
	}, "every delivery finished")
	sent := fs.attempts()
	last := slices.Index(sent, "need.allocated a2")
	if last < 2 || slices.Contains(sent[last:], "need.allocated a1") || sent[len(sent)-1] != "need.allocated a3" {
		t.Fatalf("a1 was retried until given up, then a2, then a3: %v", sent)
	}
	got, _ := repo.Subscription(ctx, s.ID)
	statuses := []string{}
	for _, id := range got.Recent {
		d, _ := repo.Delivery(ctx, id)
		statuses = append(statuses, d.Subject+":"+d.Status)
	}
	if fmt.Sprint(statuses) != "[a1:failed a2:delivered a3:delivered]" {
		t.Fatalf("log %v", statuses)
	}
	// The log pages newest first, two at a time.
	h1 := claims("h1", auth.Hospital)
	page, err := a.ListDeliveries(ctx, h1, s.ID, "", 2)
	if err != nil || len(page) != 2 || page[0].Subject != "a3" || page[1].Subject != "a2" {
		t.Fatalf("first page %v %v", page, err)
	}
	if rest, _ := a.ListDeliveries(ctx, h1, s.ID, page[1].ID, 2); len(rest) != 1 || rest[0].Subject != "a1" {
		t.Fatalf("second page %v", rest)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestWarnExpiringWarnsOnceWithinTheWarningTime(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	a, repo := newApp(t, &fakeSender{}, domain.DefaultRetry)
	now := t0
	a.Now = func() time.Time { return now }
	propose := func(id string, expires time.Time) {
		ev := proposed(id, "h1", "m1")
		var al events.Allocation
		_ = ev.Decode(&al)
		al.ExpiresAt = expires.Format(time.RFC3339Nano)
		ev = events.MustNew("matcher", events.AllocationEvent{Type: events.AllocationProposedType, Allocation: al}, events.Meta{ID: "evt-" + id, Subject: id})
		if err := a.HandleEvent(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	propose("a1", t0.Add(10*time.Hour))
	propose("a2", t0.Add(10*time.Hour))
	propose("gone", t0.Add(-time.Hour)) // already past expiry: no watch at all
	accepted := events.MustNew("matcher", events.AllocationEvent{Type: events.AllocationAcceptedType,
		Allocation: events.Allocation{AllocationID: "a2", Version: 2, SourceOrgID: "m1", SourceKind: "capacity"}}, events.Meta{ID: "evt-a2-2", Subject: "a2"})
	if err := a.HandleEvent(ctx, accepted); err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct {
		at   time.Duration
		want int
	}{{0, 0}, {3*time.Hour + 59*time.Minute, 0}, {4 * time.Hour, 1}, {5 * time.Hour, 0}, {11 * time.Hour, 0}} {
		now = t0.Add(step.at)
		if n, err := a.WarnExpiring(ctx); err != nil || n != step.want {
			t.Fatalf("at +%s warned %d (%v), want %d", step.at, n, err, step.want)
		}
	}
	feed, _ := repo.FeedSince(ctx, "m1", 0)
	var types []string
	for _, e := range feed {
		types = append(types, e.Notification.Type+" "+e.Notification.Subject)
	}
	want := []string{"allocation.proposed a1", "allocation.proposed a2", "allocation.proposed gone", "allocation.expiring a1"}
	if !slices.Equal(types, want) {
		t.Fatalf("manufacturer's feed %v, want %v", types, want)
	}
}

func TestSubscriptionsAreTheOwnersOnly(t *testing.T) {
	ctx := context.Background()
	a, _ := newApp(t, &fakeSender{}, domain.DefaultRetry)
	h1, h2 := claims("h1", auth.Hospital), claims("h2", auth.Hospital)
	s := subscribe(t, a, h1, domain.NeedStale)
	if _, err := a.GetSubscription(ctx, h2, s.ID); !errors.Is(err, domain.ErrSubscriptionNotFound) {
		t.Fatalf("another's: %v", err)
	}
	if err := a.DeleteSubscription(ctx, h2, s.ID); !errors.Is(err, domain.ErrSubscriptionNotFound) {
		t.Fatalf("delete another's: %v", err)
	}
	if _, err := a.ResumeSubscription(ctx, h2, s.ID); !errors.Is(err, domain.ErrSubscriptionNotFound) {
		t.Fatalf("resume another's: %v", err)
	}
	if ds, err := a.ListDeliveries(ctx, h2, s.ID, "", 10); !errors.Is(err, domain.ErrSubscriptionNotFound) || ds != nil {
		t.Fatalf("another's log: %v %v", ds, err)
	}
	if l, _ := a.ListSubscriptions(ctx, h2, "", 10); len(l) != 0 {
		t.Fatalf("h2 lists %v", l)
	}
	for range app.DefaultSubscriptionsPerOrg - 1 {
		subscribe(t, a, h1, domain.NeedStale)
	}
	if _, err := a.CreateSubscription(ctx, h1, "", domain.NewSubscriptionInput{URL: "http://127.0.0.1:9/", Events: []string{domain.NeedStale}}); !errors.Is(err, domain.ErrTooManySubscriptions) {
		t.Fatalf("past the limit: %v", err)
	}
	if _, err := a.CreateSubscription(ctx, h2, "", domain.NewSubscriptionInput{URL: "http://127.0.0.1:9/", Events: []string{domain.NeedStale}}); err != nil {
		t.Fatalf("the limit is per organization: %v", err)
	}
}
