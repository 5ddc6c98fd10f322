// Package domain holds the supply service's capacity reports and their
// rules: what a manufacturer may report, and how the matcher's allocations
// reserve and consume the reported stock.
package domain

import (
	"context"
	"slices"
	"time"

	"github.com/aidflow/aidflow/contracts/catalog"
	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/shared/apperr"
)

// Limits of a report. The quantity maxima scale with the item's
// MaxNeedQuantity (the largest single need the catalog allows), so a typo of
// a few extra zeros is refused for ventilators as well as for masks.
const (
	// AvailableFactor × MaxNeedQuantity bounds available_now.
	AvailableFactor = 1000
	// DailyRateFactor × MaxNeedQuantity bounds daily_rate.
	DailyRateFactor = 100
	// MaxLeadTimeDays bounds lead_time_days (a year).
	MaxLeadTimeDays = 365
	// MaxUnitPriceFen bounds unit_price: ¥10,000,000.00 per base unit.
	MaxUnitPriceFen = 1_000_000_000
)

// MaxAvailable returns the largest available_now accepted for the item.
func MaxAvailable(it catalog.Item) int64 { return AvailableFactor * it.MaxNeedQuantity }

// MaxDailyRate returns the largest daily_rate accepted for the item.
func MaxDailyRate(it catalog.Item) int64 { return DailyRateFactor * it.MaxNeedQuantity }

// Errors.
var (
	ErrCapacityNotFound = apperr.New(apperr.NotFound, "no capacity report with this id")
	// ErrNoChange tells a repository that a change left the capacity as it
	// was (an allocation event already applied), so nothing is written.
	ErrNoChange = apperr.New(apperr.Conflict, "nothing to change")
)

// Capacity is a manufacturer's current report for one item, with the
// allocations the matcher made from it.
type Capacity struct {
	// ID is CapacityID(ManufacturerID, Item): one current report per
	// manufacturer and item, addressed by _id alone.
	ID             string
	ManufacturerID string
	Item           string
	Region         string
	AvailableNow   int64
	DailyRate      int64
	LeadTimeDays   int
	Standard       string
	// UnitPriceFen is the price per base unit in fen (0.01 CNY); nil when
	// the manufacturer gave none.
	UnitPriceFen *int64
	// Revision counts reports: 1 for the first, +1 for each replacement.
	Revision   int64
	ReportedAt time.Time
	// UpdatedAt is the last change of any kind: a report or an allocation.
	UpdatedAt time.Time
	// Allocations are the matcher's allocations from this source, by id.
	Allocations map[string]Allocation
	// Days are the report's end-of-day figures, oldest first, a month of
	// them (RecordDay, daily.Record): the per-day view of supply.
	Days []DayFigure
	// ReportKeys are the request keys (httpx.RequestKey) of the latest
	// reports sent with an Idempotency-Key, oldest first, at most
	// MaxReportKeys: a report sent again with one of them was already
	// applied (Reported).
	ReportKeys []string
}

// MaxReportKeys bounds Capacity.ReportKeys. A client retries a report
// within moments; by then a manufacturer has sent only a few others for
// the same item.
const MaxReportKeys = 20

// CapacityID is the id of a manufacturer's report for an item. It is
// deterministic so a new report replaces the current one by _id.
func CapacityID(manufacturerID, item string) string {
	return "cap_" + manufacturerID + "_" + item
}

// Clone returns a copy that shares nothing with c.
func (c Capacity) Clone() Capacity {
	if c.UnitPriceFen != nil {
		p := *c.UnitPriceFen
		c.UnitPriceFen = &p
	}
	allocs := make(map[string]Allocation, len(c.Allocations))
	for id, a := range c.Allocations {
		allocs[id] = a
	}
	c.Allocations = allocs
	c.Days = slices.Clone(c.Days)
	c.ReportKeys = slices.Clone(c.ReportKeys)
	return c
}

// Reported reports whether the report with request key key (not empty)
// was already applied: its write was stored, but the process died before
// the idempotency record was (or before it answered), and the client sent
// it again.
func (c Capacity) Reported(key string) bool {
	return key != "" && slices.Contains(c.ReportKeys, key)
}

// RememberReport records the request key of the report just applied,
// forgetting the oldest beyond MaxReportKeys; "" (no key) is not kept.
func (c *Capacity) RememberReport(key string) {
	if key == "" {
		return
	}
	c.ReportKeys = append(c.ReportKeys, key)
	if n := len(c.ReportKeys) - MaxReportKeys; n > 0 {
		c.ReportKeys = slices.Delete(c.ReportKeys, 0, n)
	}
}

// Reserved counts the units of this source's proposed and accepted
// allocations (API.md).
func (c Capacity) Reserved() int64 {
	var n int64
	for _, a := range c.Allocations {
		if a.Reserves() {
			n += a.Quantity
		}
	}
	return n
}

// Remaining is available_now − reserved, what the matcher may still give.
// It is never shown below zero: a negative value can only come from a
// matcher that over-reserved, which Oversubscribed reports.
func (c Capacity) Remaining() int64 { return max(c.AvailableNow-c.Reserved(), 0) }

// Oversubscribed reports whether the allocations reserve more than is
// available, which a correct matcher never does.
func (c Capacity) Oversubscribed() bool { return c.Reserved() > c.AvailableNow }

// OverReserved is how many units the allocations reserve beyond
// available_now right now: 0 unless the matcher misbehaved (or stock was
// dispatched from under other allocations by a larger shipment).
func (c Capacity) OverReserved() int64 { return max(c.Reserved()-c.AvailableNow, 0) }

// Report is a validated capacity report (see ParseReport).
type Report struct {
	Item         string
	AvailableNow int64
	DailyRate    int64
	LeadTimeDays int
	Standard     string
	UnitPriceFen *int64
}

// Apply replaces c's report with r. A report may not lower available_now
// below what current allocations reserve: those units are promised to
// hospitals, and only a decline or a cancellation frees them.
func (c *Capacity) Apply(r Report, now time.Time) error {
	if reserved := c.Reserved(); r.AvailableNow < reserved {
		return apperr.New(apperr.Conflict,
			"available_now %d is below the %d units already reserved by proposed or accepted allocations; report at least %d, or decline allocations first",
			r.AvailableNow, reserved, reserved)
	}
	c.Item = r.Item
	c.AvailableNow = r.AvailableNow
	c.DailyRate = r.DailyRate
	c.LeadTimeDays = r.LeadTimeDays
	c.Standard = r.Standard
	c.UnitPriceFen = r.UnitPriceFen
	c.Revision++
	// Milliseconds: MongoDB's precision, so answers read the same before
	// and after a round trip through the database.
	c.ReportedAt = now.UTC().Truncate(time.Millisecond)
	c.UpdatedAt = c.ReportedAt
	if c.Allocations == nil {
		c.Allocations = map[string]Allocation{}
	}
	c.RecordDay(now, true)
	return nil
}

// Event returns the capacity_reported event of c's current report.
func (c Capacity) Event(source string) events.Envelope {
	var price int64
	if c.UnitPriceFen != nil {
		price = *c.UnitPriceFen
	}
	return events.MustNew(source, events.CapacityReported{
		CapacityID:     c.ID,
		ManufacturerID: c.ManufacturerID,
		Item:           c.Item,
		Region:         c.Region,
		AvailableNow:   c.AvailableNow,
		DailyRate:      c.DailyRate,
		LeadTimeDays:   c.LeadTimeDays,
		Standard:       c.Standard,
		UnitPrice:      price,
		Revision:       c.Revision,
	}, events.Meta{Subject: c.ID, OrgID: c.ManufacturerID, Item: c.Item, Time: c.ReportedAt})
}

// Compact returns a copy of c that keeps only the allocations that still
// reserve units: the in-memory list index holds these, so its size follows
// the open allocations rather than the whole history.
func (c Capacity) Compact() Capacity {
	allocs := map[string]Allocation{}
	for id, a := range c.Allocations {
		if a.Reserves() {
			allocs[id] = a
		}
	}
	c = c.Clone()
	c.Allocations = allocs
	return c
}

// Filter selects capacity reports in a list; empty fields select all.
type Filter struct {
	ManufacturerID string
	Item           string
}

// Match reports whether c passes the filter.
func (f Filter) Match(c Capacity) bool {
	return (f.ManufacturerID == "" || c.ManufacturerID == f.ManufacturerID) && (f.Item == "" || c.Item == f.Item)
}

// Repository stores capacity reports, one document per report addressed
// by its id.
type Repository interface {
	// Get returns one report, or ErrCapacityNotFound.
	Get(ctx context.Context, id string) (Capacity, error)
	// Upsert reads the report (a zero Capacity with ID set and isNew true
	// when there is none), applies change under the report's lock and
	// stores the result with the events change returns, in one write.
	// When change returns ErrNoChange nothing is written and the current
	// report is returned without error.
	Upsert(ctx context.Context, id string, change func(c *Capacity, isNew bool) ([]events.Envelope, error)) (Capacity, error)
	// List returns the reports passing f, ordered by id, after the cursor.
	// Each report carries only its reserving allocations (Compact), which
	// is all Reserved and Remaining need.
	List(ctx context.Context, f Filter, after string, limit int) ([]Capacity, error)
}
