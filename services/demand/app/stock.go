package app

import (
	"cmp"
	"context"
	"slices"
	"sync"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/demand/domain"
	"github.com/aidflow/aidflow/shared/auth"
)

// StockIndex holds every hospital's latest stock reports in memory: lists
// and the anti-hoarding rule read it instead of the store (which would scan
// the collection for any filter but _id). There is one report per hospital
// and item, so it stays small.
type StockIndex struct {
	mu   sync.RWMutex
	byID map[string]domain.StockReport
}

// NewStockIndex returns an empty index.
func NewStockIndex() *StockIndex { return &StockIndex{byID: map[string]domain.StockReport{}} }

// Put adds or replaces a report.
func (x *StockIndex) Put(s domain.StockReport) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.byID[s.ID()] = s
}

// Get returns a hospital's report of an item, if it has one.
func (x *StockIndex) Get(hospitalID, item string) (domain.StockReport, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	s, ok := x.byID[domain.StockReportID(hospitalID, item)]
	return s, ok
}

// List returns up to limit reports by id ("<hospital>/<item>") ascending,
// after the key after; hospitalID and item empty mean any.
func (x *StockIndex) List(hospitalID, item, after string, limit int) ([]domain.StockReport, string) {
	x.mu.RLock()
	var all []domain.StockReport
	for _, s := range x.byID {
		if (hospitalID == "" || s.HospitalID == hospitalID) && (item == "" || s.Item == item) && s.ID() > after {
			all = append(all, s)
		}
	}
	x.mu.RUnlock()
	slices.SortFunc(all, func(a, b domain.StockReport) int { return cmp.Compare(a.ID(), b.ID()) })
	if len(all) <= limit {
		return all, ""
	}
	return all[:limit], all[limit-1].ID()
}

// ReportStock stores a hospital's stock and burn rate of an item, replacing
// its previous report, and publishes stock_reported with the days of
// supply. The matcher serves a hospital under CriticalDaysOfSupply days as
// critical for the item.
func (a *App) ReportStock(ctx context.Context, by domain.Poster, in domain.StockReportInput) (domain.StockReport, error) {
	now := a.now()
	s, err := domain.NewStockReport(in, by, now)
	if err != nil {
		return domain.StockReport{}, err
	}
	// One report per hospital and item: the lock keeps the store and the
	// index in the same order when a hospital sends two at once.
	unlock := a.locks.Lock("stock/" + s.ID())
	defer unlock()
	ev := events.MustNew(Source, s.Event(), events.Meta{Subject: s.ID(), OrgID: s.HospitalID, Item: s.Item, Time: now})
	if err := a.Stock.Put(ctx, s, ev); err != nil {
		return domain.StockReport{}, err
	}
	a.Stocks.Put(s)
	return s, nil
}

// ListStockReports returns a page of current reports by hospital then item:
// a hospital's own, or for a regulator every hospital's.
func (a *App) ListStockReports(v domain.Viewer, item, after string, limit int) ([]domain.StockReport, string) {
	hospital := ""
	if v.Role != auth.Regulator {
		hospital = v.OrgID
	}
	return a.Stocks.List(hospital, item, after, limit)
}
