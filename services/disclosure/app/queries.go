package app

import (
	"github.com/aidflow/aidflow/contracts/catalog"
	"github.com/aidflow/aidflow/services/disclosure/domain"
)

// Summary is every catalog item's public totals, in catalog order.
func (a *App) Summary() []domain.SummaryItem { return a.Views().Summary }

// Regions is every province's figures and level, by code.
func (a *App) Regions() []domain.RegionShortage { return a.Views().Regions }

// Flows is every allocation as a public flow, newest first.
func (a *App) Flows() []domain.Flow { return a.Views().Flows }

// CatalogItems is the item catalog, in catalog order.
func (a *App) CatalogItems() []catalog.Item { return catalog.Items() }
