package app

import (
	"context"

	"github.com/aidflow/aidflow/contracts/catalog"
	"github.com/aidflow/aidflow/services/supply/domain"
	"github.com/aidflow/aidflow/shared/apperr"
	"github.com/aidflow/aidflow/shared/auth"
)

// ListCapacity returns current reports: a manufacturer's own, or every
// manufacturer's for a regulator.
func (a *App) ListCapacity(ctx context.Context, by auth.Claims, item, after string, limit int) ([]domain.Capacity, error) {
	f := domain.Filter{Item: item}
	switch by.Role {
	case auth.Manufacturer:
		f.ManufacturerID = by.OrgID
	case auth.Regulator:
	default:
		return nil, apperr.New(apperr.Forbidden, "capacity reports are for manufacturers and regulators")
	}
	if item != "" && !catalog.Valid(item) {
		var v apperr.Validation
		v.Add("item", "%q is not a catalog item; see GET /v1/catalog/items", item)
		return nil, v.Err()
	}
	return a.Capacity.List(ctx, f, after, limit)
}
