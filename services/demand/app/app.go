// Package app holds the demand service's use cases, one file each, over the
// needs repository and the in-memory list index.
package app

import (
	"context"
	"time"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/demand/domain"
	"github.com/aidflow/aidflow/shared/keymutex"
)

// Source is the event source name of this service.
const Source = "demand"

// DefaultStaleAfter is how long a need may go unconfirmed before it turns
// stale (AIDFLOW_STALE_AFTER): seven days.
const DefaultStaleAfter = 7 * 24 * time.Hour

// App is the demand service's use cases.
type App struct {
	Needs domain.Repository
	Index *Index
	// Stock holds the stock reports; Stocks is their in-memory read model.
	Stock  domain.StockRepository
	Stocks *StockIndex
	Now    func() time.Time
	// StaleAfter is how long a need may go unconfirmed before the stale
	// rule marks it.
	StaleAfter time.Duration
	// HoardingMultiple is the anti-hoarding rule's limit, in days of
	// reported consumption (AIDFLOW_HOARDING_MULTIPLE).
	HoardingMultiple int64

	// locks serialises the read-check-write of one hospital's item (stock
	// report, anti-hoarding sum) inside this, the only writing, instance.
	locks keymutex.Map
}

// DefaultHoardingMultiple is the anti-hoarding limit: open needs for an
// item may add up to 30 days of the hospital's reported consumption.
const DefaultHoardingMultiple = 30

// New returns the use cases over needs and stock reports, with empty
// indexes; call Load before serving.
func New(needs domain.Repository, stock domain.StockRepository) *App {
	return &App{Needs: needs, Index: NewIndex(), Stock: stock, Stocks: NewStockIndex(), Now: time.Now,
		StaleAfter: DefaultStaleAfter, HoardingMultiple: DefaultHoardingMultiple}
}

// Load fills the indexes from the repositories: one read of every need and
// every stock report, at start, before requests and events are served.
func (a *App) Load(ctx context.Context) error {
	var all []domain.Need
	if err := a.Needs.All(ctx, func(n domain.Need) error {
		all = append(all, n)
		return nil
	}); err != nil {
		return err
	}
	a.Index.Reset(all)
	return a.Stock.All(ctx, func(s domain.StockReport) error {
		a.Stocks.Put(s)
		return nil
	})
}

// now is the use cases' clock, in UTC at the database's precision
// (milliseconds), so what is returned equals what is read back.
func (a *App) now() time.Time { return a.Now().UTC().Truncate(time.Millisecond) }

// update changes one need through the repository and keeps the index current.
func (a *App) update(ctx context.Context, id string, change func(*domain.Need) ([]events.Envelope, error)) (domain.Need, error) {
	n, err := a.Needs.Update(ctx, id, change)
	if err != nil {
		return domain.Need{}, err
	}
	a.Index.Put(n)
	return n, nil
}

func meta(n domain.Need, now time.Time) events.Meta {
	return events.Meta{Subject: n.ID, OrgID: n.HospitalID, Item: n.Item, Time: now}
}

func changed(n domain.Need) events.NeedChanged {
	return events.NeedChanged{NeedID: n.ID, HospitalID: n.HospitalID, Item: n.Item, Region: n.Region, Status: n.Status}
}
