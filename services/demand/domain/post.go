package domain

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/aidflow/aidflow/contracts/catalog"
	"github.com/aidflow/aidflow/contracts/regions"
	"github.com/aidflow/aidflow/shared/apperr"
	"github.com/aidflow/aidflow/shared/daily"
)

// China is the time zone needed_by dates are read in: UTC+8, China
// Standard Time, with no daylight saving. A hospital in Wuhan posting at
// 07:00 local time (23:00 UTC the day before) may ask for today, its today.
// A fixed zone rather than Asia/Shanghai keeps the rule independent of the
// host's time-zone database. It is the zone day figures are filed in.
var China = daily.China

// DateLayout is the layout of needed_by.
const DateLayout = "2006-01-02"

// MaxNoteLength bounds the private note, in characters.
const MaxNoteLength = 2000

// MaxNeededByDays bounds how far ahead needed_by may be: a shortage more
// than a year out is a mistyped year, and it would sort last in matching
// for ever.
const MaxNeededByDays = 366

// Today is the current date in China time.
func Today(now time.Time) string { return now.In(China).Format(DateLayout) }

// NewNeedInput is what a hospital sends to post a need.
type NewNeedInput struct {
	Item string
	// Quantity is the number as sent (a JSON number's text, a CSV cell), so
	// "1.5" or "ten" get a message saying what to write instead of a
	// decoder error.
	Quantity string
	Urgency  string
	NeededBy string
	// AcceptedStandards nil means the item's default; an empty, non-nil
	// list is refused.
	AcceptedStandards []string
	Note              string
}

// Poster is who posts: the hospital named by its token.
type Poster struct {
	HospitalID string
	Region     string
}

// NewNeed validates the input and returns an open need with a fresh id.
// Every problem is reported at once, each with what to fix.
func NewNeed(in NewNeedInput, by Poster, now time.Time) (Need, error) {
	var v apperr.Validation
	item, known := catalog.Lookup(in.Item)
	switch {
	case in.Item == "":
		v.Add("item", "is required: a catalog item code such as n95-respirator (GET /v1/catalog/items lists them)")
	case !known:
		v.Add("item", "%q is not a catalog item; use a code such as n95-respirator or surgical-mask (GET /v1/catalog/items lists them)", in.Item)
	}
	qty := checkQuantity(&v, in.Quantity, item, known)
	if !slices.Contains(Urgencies, in.Urgency) {
		if in.Urgency == "" {
			v.Add("urgency", "is required: one of critical, high, normal")
		} else {
			v.Add("urgency", "%q is not an urgency; use one of critical, high, normal", in.Urgency)
		}
	}
	checkNeededBy(&v, in.NeededBy, now)
	standards := checkStandards(&v, in.AcceptedStandards, item, known)
	note := strings.TrimSpace(in.Note)
	switch {
	case utf8.RuneCountInString(note) > MaxNoteLength:
		v.Add("note", "must be at most %d characters; it has %d", MaxNoteLength, utf8.RuneCountInString(note))
	case strings.IndexFunc(note, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' }) >= 0:
		v.Add("note", "must not contain control characters other than line breaks and tabs")
	}
	if !regions.Valid(by.Region) {
		v.Add("region", "your organization's region %q is not a known division code; ask your operator to correct it", by.Region)
	}
	if err := v.Err(); err != nil {
		return Need{}, err
	}
	now = now.UTC()
	n := Need{
		ID:                NewID(),
		HospitalID:        by.HospitalID,
		Item:              item.Code,
		Quantity:          qty,
		Urgency:           in.Urgency,
		NeededBy:          in.NeededBy,
		Region:            by.Region,
		AcceptedStandards: standards,
		Note:              note,
		Allocations:       []Allocation{},
		CreatedAt:         now,
		UpdatedAt:         now,
	}
	n.refresh()
	n.record(TimelineEntry{At: now, Type: TimelinePosted, Quantity: qty})
	n.recordDay(now, true)
	return n, nil
}

func checkQuantity(v *apperr.Validation, s string, item catalog.Item, known bool) int64 {
	unit := "units"
	if known {
		unit = item.Unit + "s"
	}
	if s == "" {
		v.Add("quantity", "is required: a whole number of %s, e.g. 500", unit)
		return 0
	}
	q, err := strconv.ParseInt(s, 10, 64)
	switch {
	case err != nil && isDigits(s):
		v.Add("quantity", "is far too large; the most one need may ask for is %s", maxText(item, known))
	case err != nil:
		v.Add("quantity", "must be a whole number of %s written as digits, e.g. 500; got %s", unit, s)
	case q < 1:
		v.Add("quantity", "must be at least 1 (a positive whole number of %s)", unit)
	case known && q > item.MaxNeedQuantity:
		v.Add("quantity", "must be at most %s for one need; a larger number is usually a typo (an extra zero)", maxText(item, known))
	}
	return q
}

func maxText(item catalog.Item, known bool) string {
	if !known {
		return "the item's max_need_quantity (GET /v1/catalog/items)"
	}
	return fmt.Sprintf("%d %ss of %s", item.MaxNeedQuantity, item.Unit, item.Code)
}

func isDigits(s string) bool {
	return s != "" && strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' }) < 0
}

func checkNeededBy(v *apperr.Validation, s string, now time.Time) {
	if s == "" {
		v.Add("needed_by", "is required: the date you need the goods by, YYYY-MM-DD")
		return
	}
	d, err := time.ParseInLocation(DateLayout, s, China)
	if err != nil {
		v.Add("needed_by", "must be a date written YYYY-MM-DD, e.g. %s; got %q", Today(now), s)
		return
	}
	today := Today(now)
	if s < today {
		v.Add("needed_by", "is in the past; use today (%s, China time) or a later date", today)
		return
	}
	t, _ := time.ParseInLocation(DateLayout, today, China)
	if latest := t.AddDate(0, 0, MaxNeededByDays); d.After(latest) {
		v.Add("needed_by", "must be within %d days, at the latest %s; check the year", MaxNeededByDays, latest.Format(DateLayout))
	}
}

func checkStandards(v *apperr.Validation, in []string, item catalog.Item, known bool) []string {
	if in == nil {
		if known {
			return item.DefaultAcceptedStandards
		}
		return nil
	}
	if len(in) == 0 {
		v.Add("accepted_standards", "must list at least one standard, or be left out to accept the item's default_accepted_standards")
		return nil
	}
	seen := map[string]bool{}
	for i, s := range in {
		field := fmt.Sprintf("accepted_standards[%d]", i)
		switch {
		case seen[s]:
			v.Add(field, "%q is listed twice; list each standard once", s)
		case known && !item.HasStandard(s):
			v.Add(field, "%q is not a standard of %s; use one of %s", s, item.Code, strings.Join(item.Standards, ", "))
		}
		seen[s] = true
	}
	return slices.Clone(in)
}

// ImportRow is one data row of a CSV import: its line in the file (the
// header is line 1; a spreadsheet's row number unless a cell holds a line
// break) and what it asks for.
type ImportRow struct {
	Line  int
	Input NewNeedInput
}
