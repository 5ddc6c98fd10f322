package service_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/notify/domain"
	"github.com/aidflow/aidflow/shared/auth"
	"github.com/aidflow/aidflow/shared/testkit"
)

// BenchmarkEventToWebhook measures the service on the embedded store and
// NATS: allocation events published for one hospital with one webhook,
// until its receiver has every delivery. ns/op is per event end to end
// (consumer, feed, queue, signed POST, bookkeeping), one subscription's
// queue in order. Results in README.md.
func BenchmarkEventToWebhook(b *testing.B) {
	e := boot(b)
	hosp := e.iss.Org(b, auth.Hospital, "420100")
	r := newReceiver(b)
	_, secret := e.subscribe(b, hosp.Token, r.url(), domain.NeedAllocated)
	r.setSecret(secret)
	b.ResetTimer()
	for i := range b.N {
		e.publish(b, allocation(events.AllocationProposedType, fmt.Sprintf("a%06d", i), hosp.ID, "m", "capacity", 1))
	}
	testkit.Eventually(b, 10*time.Minute, func() bool { return len(r.appliedEvents()) == b.N }, "every delivery")
	b.StopTimer()
	if _, _, bad := r.snapshot(); bad != 0 {
		b.Fatalf("%d bad signatures", bad)
	}
}
