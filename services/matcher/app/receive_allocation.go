package app

import (
	"context"

	"github.com/aidflow/aidflow/services/matcher/domain"
)

// ReceiveAllocation is the hospital confirming what arrived.
func (a *App) ReceiveAllocation(ctx context.Context, actor Actor, id string, in domain.ReceiptInput) (domain.Allocation, error) {
	return a.change(ctx, id, actor, func(al domain.Allocation) bool { return isHospital(actor, al) },
		func(al *domain.Allocation) (string, error) { return al.Receive(in, a.Now()) })
}
