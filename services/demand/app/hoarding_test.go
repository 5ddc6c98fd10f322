package app_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/aidflow/aidflow/shared/apperr"
)

func TestAntiHoarding(t *testing.T) {
	a, repo, c := newApp(t)
	ctx := context.Background()
	// No stock report: no rule.
	first := post(t, a, c, hospitalA, input("n95-respirator", "5000"))
	if _, err := a.ReportStock(ctx, hospitalA, stockIn("n95-respirator", "0", "200")); err != nil {
		t.Fatal(err)
	}
	// Limit 30 × 200 = 6000; 5000 held.
	post(t, a, c, hospitalA, input("n95-respirator", "1000"))
	events := len(repo.Events())
	_, err := a.PostNeed(ctx, hospitalA, "", input("n95-respirator", "1"))
	if e := apperr.As(err); e == nil || e.Code != apperr.Unprocessable || !strings.Contains(e.Message, "Ask for at most 0") {
		t.Fatalf("over the limit: %v", err)
	}
	if len(repo.Events()) != events {
		t.Error("a refused need was stored")
	}
	// Other items and other hospitals are not counted.
	post(t, a, c, hospitalA, input("goggles", "10"))
	post(t, a, c, hospitalB, input("n95-respirator", "100000"))
	// A cancelled need gives its room back; delivered units do too.
	if _, err := a.CancelNeed(ctx, hospitalA.HospitalID, first.ID); err != nil {
		t.Fatal(err)
	}
	second := post(t, a, c, hospitalA, input("n95-respirator", "5000"))
	if _, err := a.ApplyAllocation(ctx, allocation(second, "alloc_1", 1, 3000, "delivered", 3000, 3000)); err != nil {
		t.Fatal(err)
	}
	post(t, a, c, hospitalA, input("n95-respirator", "3000"))
	if _, err := a.PostNeed(ctx, hospitalA, "", input("n95-respirator", "1")); apperr.CodeOf(err) != apperr.Unprocessable {
		t.Errorf("at the limit again: %v", err)
	}
	// A larger reported consumption lifts the limit.
	if _, err := a.ReportStock(ctx, hospitalA, stockIn("n95-respirator", "0", "1000")); err != nil {
		t.Fatal(err)
	}
	post(t, a, c, hospitalA, input("n95-respirator", "20000"))
}

// TestAntiHoardingConcurrentPosts posts many needs at once: together they
// must not slip under the limit.
func TestAntiHoardingConcurrentPosts(t *testing.T) {
	a, _, _ := newApp(t)
	ctx := context.Background()
	if _, err := a.ReportStock(ctx, hospitalA, stockIn("goggles", "0", "1")); err != nil { // limit 30
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	created := 0
	for range 20 {
		wg.Go(func() {
			if _, err := a.PostNeed(ctx, hospitalA, "", input("goggles", "4")); err == nil {
				mu.Lock()
				created++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if created != 7 {
		t.Errorf("%d needs of 4 created under a limit of 30, want 7", created)
	}
	if held := a.Index.Held(hospitalA.HospitalID, "goggles"); held != 28 {
		t.Errorf("held %d", held)
	}
}
