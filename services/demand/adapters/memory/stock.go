package memory

import (
	"context"
	"sync"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/demand/domain"
)

// StockReports keeps the latest report per hospital and item, and the
// events it was given in order.
type StockReports struct {
	mu      sync.Mutex
	reports map[string]domain.StockReport
	events  []events.Envelope
}

// NewStockReports returns an empty repository.
func NewStockReports() *StockReports {
	return &StockReports{reports: map[string]domain.StockReport{}}
}

func (r *StockReports) Put(_ context.Context, s domain.StockReport, evs ...events.Envelope) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reports[s.ID()] = s
	r.events = append(r.events, evs...)
	return nil
}

func (r *StockReports) Get(_ context.Context, hospitalID, item string) (domain.StockReport, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s, ok := r.reports[domain.StockReportID(hospitalID, item)]
	if !ok {
		return domain.StockReport{}, domain.ErrStockReportNotFound
	}
	return s, nil
}

func (r *StockReports) All(_ context.Context, f func(domain.StockReport) error) error {
	r.mu.Lock()
	all := make([]domain.StockReport, 0, len(r.reports))
	for _, s := range r.reports {
		all = append(all, s)
	}
	r.mu.Unlock()
	for _, s := range all {
		if err := f(s); err != nil {
			return err
		}
	}
	return nil
}

// Events returns the events stored so far, in order.
func (r *StockReports) Events() []events.Envelope {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]events.Envelope(nil), r.events...)
}
