package domain

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/aidflow/aidflow/contracts/catalog"
	"github.com/aidflow/aidflow/shared/apperr"
)

// ReportInput is a capacity report as a manufacturer sends it. Pointers
// tell a missing field from a zero; UnitPrice is the JSON literal as sent
// ("" when absent or null), so its form can be checked exactly.
type ReportInput struct {
	Item         string
	AvailableNow *int64
	DailyRate    *int64
	LeadTimeDays *int
	Standard     string
	UnitPrice    string
}

// ErrUnknownItem answers a report for an item the catalog does not list.
func ErrUnknownItem(code string) error {
	return apperr.New(apperr.NotFound, "%q is not a catalog item; see GET /v1/catalog/items for the codes", code)
}

// ParseReport validates a report against the catalog and the limits above.
// The standard defaults to the item's first.
func ParseReport(in ReportInput) (Report, error) {
	it, ok := catalog.Lookup(in.Item)
	if !ok {
		return Report{}, ErrUnknownItem(in.Item)
	}
	var v apperr.Validation
	r := Report{Item: it.Code, Standard: in.Standard}
	r.AvailableNow = wholeNumber(&v, "available_now", in.AvailableNow, MaxAvailable(it), it.Unit)
	r.DailyRate = wholeNumber(&v, "daily_rate", in.DailyRate, MaxDailyRate(it), it.Unit)
	switch {
	case in.LeadTimeDays == nil:
		v.Add("lead_time_days", "is required: days from an order to dispatch, 0 when stock ships today")
	case *in.LeadTimeDays < 0 || *in.LeadTimeDays > MaxLeadTimeDays:
		v.Add("lead_time_days", "must be between 0 and %d days", MaxLeadTimeDays)
	default:
		r.LeadTimeDays = *in.LeadTimeDays
	}
	if r.Standard == "" {
		r.Standard = it.DefaultStandard()
	} else if !it.HasStandard(r.Standard) {
		v.Add("standard", "must be one of %s for %s", strings.Join(it.Standards, ", "), it.Code)
	}
	if in.UnitPrice != "" {
		fen, msg := ParseYuan(in.UnitPrice)
		if msg != "" {
			v.Add("unit_price", "%s", msg)
		} else {
			r.UnitPriceFen = &fen
		}
	}
	return r, v.Err()
}

func wholeNumber(v *apperr.Validation, field string, n *int64, limit int64, unit string) int64 {
	switch {
	case n == nil:
		v.Add(field, "is required: a whole number of %ss", unit)
	case *n < 0:
		v.Add(field, "must be 0 or more")
	case *n > limit:
		v.Add(field, "must be at most %d %ss; check for extra zeros", limit, unit)
	default:
		return *n
	}
	return 0
}

// A price in yuan: a plain decimal with at most two decimals, no sign, no
// exponent, so the amount in fen is exact.
var yuanPattern = regexp.MustCompile(`^(0|[1-9][0-9]{0,9})(\.[0-9]{1,2})?$`)

// ParseYuan reads a JSON number of yuan, such as 12.5 or 12.50, as fen.
// It returns a message for the person who sent it when the literal is not
// such a price.
func ParseYuan(literal string) (int64, string) {
	const want = "must be a price in yuan per unit, 0 or more, with at most 2 decimals, such as 12.50"
	if strings.HasPrefix(literal, `"`) {
		return 0, want + " (a JSON number, not a string)"
	}
	m := yuanPattern.FindStringSubmatch(literal)
	if m == nil {
		return 0, want
	}
	whole, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil {
		return 0, want
	}
	frac := strings.TrimPrefix(m[2], ".")
	for len(frac) < 2 {
		frac += "0"
	}
	cents, _ := strconv.ParseInt(frac, 10, 64)
	fen := whole*100 + cents
	if fen > MaxUnitPriceFen {
		return 0, "must be at most " + FormatYuan(MaxUnitPriceFen) + " yuan per unit; check for extra zeros"
	}
	return fen, ""
}

// FormatYuan writes fen as a decimal of yuan with two decimals ("12.50").
func FormatYuan(fen int64) string {
	return strconv.FormatInt(fen/100, 10) + "." + strconv.FormatInt(fen%100/10, 10) + strconv.FormatInt(fen%10, 10)
}
