package domain

import (
	"context"
	"math"
	"strconv"
	"time"

	"github.com/aidflow/aidflow/contracts/catalog"
	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/contracts/regions"
	"github.com/aidflow/aidflow/shared/apperr"
)

// CriticalDaysOfSupply is the rule the matcher applies to stock reports: a
// hospital with fewer days of supply of an item than this is served as
// critical for that item, whatever the urgency its needs were posted with.
// This service publishes the figure (stock_reported); the matcher decides.
const CriticalDaysOfSupply = 3

// MaxDaysOfSupply caps days_of_supply: a report of no consumption has
// endless supply, which JSON cannot carry, and ten years is as good as
// endless for matching.
const MaxDaysOfSupply = 3650

// MaxStockQuantity bounds on_hand and daily_consumption: a billion units
// is beyond any hospital, and the bound keeps the anti-hoarding product
// (multiple × consumption) far from overflow.
const MaxStockQuantity = 1_000_000_000

// StockReport is a hospital's latest stock and burn rate of one item; a new
// report replaces the previous one.
type StockReport struct {
	HospitalID       string
	Item             string
	Region           string
	OnHand           int64
	DailyConsumption int64
	DaysOfSupply     float64
	ReportedAt       time.Time
}

// ID is the report's key: one report per hospital and item.
func (s StockReport) ID() string { return StockReportID(s.HospitalID, s.Item) }

// StockReportID is the key of a hospital's report of an item.
func StockReportID(hospitalID, item string) string { return hospitalID + "/" + item }

// Critical reports whether the report puts the hospital under the
// critical-supply rule for the item.
func (s StockReport) Critical() bool { return s.DaysOfSupply < CriticalDaysOfSupply }

// DaysOfSupply is on_hand / daily_consumption, rounded down to hundredths
// (rounding down never lifts a hospital over the 3-day line), capped at
// MaxDaysOfSupply; no consumption is the cap.
func DaysOfSupply(onHand, daily int64) float64 {
	if daily <= 0 {
		return MaxDaysOfSupply
	}
	d := math.Floor(float64(onHand)*100/float64(daily)) / 100
	return min(d, MaxDaysOfSupply)
}

// StockReportInput is what a hospital sends; the numbers are raw text, as
// for a need's quantity, so a wrong one gets a message saying what to write.
type StockReportInput struct {
	Item             string
	OnHand           string
	DailyConsumption string
}

// NewStockReport validates a report and computes its days of supply.
func NewStockReport(in StockReportInput, by Poster, now time.Time) (StockReport, error) {
	var v apperr.Validation
	switch {
	case in.Item == "":
		v.Add("item", "is required: a catalog item code such as n95-respirator (GET /v1/catalog/items lists them)")
	case !catalog.Valid(in.Item):
		v.Add("item", "%q is not a catalog item; use a code such as n95-respirator or surgical-mask (GET /v1/catalog/items lists them)", in.Item)
	}
	onHand := checkCount(&v, "on_hand", in.OnHand, "the units you hold now")
	daily := checkCount(&v, "daily_consumption", in.DailyConsumption, "the units you use per day")
	if !regions.Valid(by.Region) {
		v.Add("region", "your organization's region %q is not a known division code; ask your operator to correct it", by.Region)
	}
	if err := v.Err(); err != nil {
		return StockReport{}, err
	}
	return StockReport{
		HospitalID: by.HospitalID, Item: in.Item, Region: by.Region,
		OnHand: onHand, DailyConsumption: daily, DaysOfSupply: DaysOfSupply(onHand, daily),
		ReportedAt: now.UTC(),
	}, nil
}

func checkCount(v *apperr.Validation, field, s, what string) int64 {
	if s == "" {
		v.Add(field, "is required: %s, a whole number such as 1200 (0 if none)", what)
		return 0
	}
	n, err := strconv.ParseInt(s, 10, 64)
	switch {
	case err != nil && isDigits(s), err == nil && n > MaxStockQuantity:
		v.Add(field, "must be at most %d; check for extra digits", int64(MaxStockQuantity))
	case err != nil:
		v.Add(field, "must be %s as a whole number written as digits, e.g. 1200; got %s", what, s)
	case n < 0:
		v.Add(field, "must not be negative (0 if none)")
	}
	return n
}

// Event is the stock_reported event announcing the report.
func (s StockReport) Event() events.StockReported {
	return events.StockReported{
		HospitalID: s.HospitalID, Item: s.Item, Region: s.Region,
		OnHand: s.OnHand, DailyConsumption: s.DailyConsumption, DaysOfSupply: s.DaysOfSupply,
	}
}

// ErrStockReportNotFound is a report that does not exist.
var ErrStockReportNotFound = apperr.New(apperr.NotFound, "no stock report for this item")

// StockRepository stores the latest stock report per hospital and item,
// one document each, keyed by StockReportID.
type StockRepository interface {
	// Put stores the report, replacing the hospital's previous one for the
	// item, with its events, in one write.
	Put(ctx context.Context, s StockReport, evs ...events.Envelope) error
	Get(ctx context.Context, hospitalID, item string) (StockReport, error)
	// All calls f with every report, in no particular order (start-up load).
	All(ctx context.Context, f func(StockReport) error) error
}
