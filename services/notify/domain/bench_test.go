package domain_test

import (
	"testing"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/notify/domain"
)

// BenchmarkRoute is deciding whom one allocation event concerns and
// building their notifications.
func BenchmarkRoute(b *testing.B) {
	e := allocEvent(events.AllocationDispatchedType, "donation", "dispatched")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := domain.Route(e); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSign is the signature of one delivery of a typical size.
func BenchmarkSign(b *testing.B) {
	ns, _ := domain.Route(allocEvent(events.AllocationDispatchedType, "donation", "dispatched"))
	body := ns[0].Body()
	b.ReportAllocs()
	for b.Loop() {
		_ = domain.Sign("whsec_0123456789abcdef0123456789abcdef", t0, body)
	}
}
