package app

import (
	"context"

	"github.com/aidflow/aidflow/services/matcher/domain"
	"github.com/aidflow/aidflow/services/matcher/domain/policy"
	"github.com/aidflow/aidflow/shared/apperr"
)

// DispatchAllocation records a shipment by the source. A capacity source
// may not ship more than its current report says it has and has not
// shipped since; the shipment is counted against that report.
func (a *App) DispatchAllocation(ctx context.Context, actor Actor, id string, in domain.DispatchInput) (domain.Allocation, error) {
	return a.change(ctx, id, actor, func(al domain.Allocation) bool { return isSource(actor, al) },
		func(al *domain.Allocation) (string, error) {
			reportID := ""
			onHand, isCapacity := int64(0), al.SourceKind == policy.KindCapacity
			if isCapacity {
				o, _ := a.Book.Offer(al.SourceID)
				reportID = o.ReportID
				onHand, _ = a.Book.OnHand(al.SourceID)
			}
			typ, err := al.Dispatch(in, reportID, a.Now())
			if err != nil {
				return "", err
			}
			if isCapacity && in.ShippedQuantity > onHand {
				var v apperr.Validation
				v.Add("shipped_quantity", "must be at most %d: your current capacity report for %s has %d units not yet shipped; report your capacity again first",
					max(onHand, 0), al.Item, max(onHand, 0))
				return "", v.Err()
			}
			return typ, nil
		})
}
