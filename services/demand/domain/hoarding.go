package domain

import (
	"fmt"

	"github.com/aidflow/aidflow/contracts/catalog"
	"github.com/aidflow/aidflow/shared/apperr"
)

// Holds reports whether the need still holds units against the
// anti-hoarding limit: everything asked for and not yet delivered, unless
// it is cancelled or fulfilled. A stale need holds too: confirming it
// brings it back to matching.
func (n Need) Holds() int64 {
	if n.Status == StatusCancelled || n.Status == StatusFulfilled {
		return 0
	}
	return max(n.Quantity-n.DeliveredQuantity, 0)
}

// CheckHoarding applies the anti-hoarding rule to adding units of an item
// to a hospital's open needs, which already hold held units: together they
// may not exceed multiple days of the consumption in the hospital's latest
// stock report. Without a report there is no rule (hasReport false): a
// hospital in its first hours of a crisis must not be blocked by a missing
// form, and the figure to judge by is unknown. field names the input at
// fault in the 422.
func CheckHoarding(field string, held, adding int64, report StockReport, hasReport bool, multiple int64) error {
	if !hasReport {
		return nil
	}
	limit := multiple * report.DailyConsumption
	if held+adding <= limit {
		return nil
	}
	unit := "units"
	if it, ok := catalog.Lookup(report.Item); ok {
		unit = it.Unit + "s"
	}
	room := max(limit-held, 0)
	msg := fmt.Sprintf("anti-hoarding limit: your open needs for %s may add up to %d days of your reported consumption, "+
		"%d × %d = %d %s; you already hold %d in open needs, so this %d would make %d. "+
		"Ask for at most %d, or report your current consumption (POST /v1/stock-reports) if it grew, or cancel a need you no longer want",
		report.Item, multiple, multiple, report.DailyConsumption, limit, unit, held, adding, held+adding, room)
	return &apperr.Error{Code: apperr.Unprocessable, Message: msg, Fields: []apperr.FieldError{{Field: field, Message: msg}}}
}
