package domain

import (
	"context"
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"time"
)

// Open data (GET /v1/public/export/{dataset}.{csv,json}). The column names
// are the JSON field names and are a promise: a column may be added at the
// end, never renamed, moved or removed, so scripts written against one
// day's file read every other day's.

// Dataset names.
const (
	DatasetFlows     = "flows"
	DatasetSummary   = "summary"
	DatasetRegions   = "regions"
	DatasetSnapshots = "snapshots"
)

// Field is one column of a dataset: its stable name and its HXL hashtag
// (the Humanitarian Exchange Language row humanitarian tools read).
type Field struct {
	Name string
	HXL  string
}

// FlowFields, SummaryFields, RegionFields and SnapshotFields are the
// columns, in order.
var (
	FlowFields = []Field{
		{"id", "#activity+id"}, {"item", "#item+code"}, {"quantity", "#item+allocated+num"}, {"status", "#status"},
		{"source_kind", "#org+provider+type"}, {"source_name", "#org+provider+name"},
		{"hospital_name", "#org+recipient+name"}, {"hospital_region", "#adm2+code"},
		{"decided_by", "#meta+decided_by"}, {"reason", "#description+reason"},
		{"shipped_quantity", "#item+dispatched+num"}, {"received_quantity", "#item+delivered+num"}, {"time", "#date+updated"},
		{"corrections", "#meta+corrections"},
	}
	SummaryFields = []Field{
		{"item", "#item+code"}, {"name", "#item+name+i_en"}, {"name_zh", "#item+name+i_zh"},
		{"needed", "#item+needed+num"}, {"allocated", "#item+allocated+num"}, {"dispatched", "#item+dispatched+num"},
		{"delivered", "#item+delivered+num"}, {"open_shortage", "#item+shortage+num"}, {"available_capacity", "#item+capacity+num"},
	}
	RegionFields = []Field{
		{"province", "#adm1+code"}, {"name", "#adm1+name+i_en"}, {"name_zh", "#adm1+name+i_zh"},
		{"needed", "#item+needed+num"}, {"allocated", "#item+allocated+num"}, {"delivered", "#item+delivered+num"},
		{"open_shortage", "#item+shortage+num"}, {"shortage_ratio", "#indicator+shortage+pct"}, {"level", "#severity"},
	}
	SnapshotFields = []Field{
		{"date", "#date"}, {"taken_at", "#date+taken"}, {"flows", "#meta+flows+num"},
		{"summary", "#meta+summary+num"}, {"regions", "#meta+regions+num"},
	}
)

// FlowRecord, SummaryRecord, RegionRecord and SnapshotRecord are one row
// as CSV cells, in the order of the fields above.
func FlowRecord(f Flow) []string {
	return []string{f.ID, f.Item, itoa(f.Quantity), f.Status, f.SourceKind, text(f.SourceName), text(f.HospitalName),
		f.HospitalRegion, text(f.DecidedBy), text(f.Reason), itoa(f.ShippedQuantity), itoa(f.ReceivedQuantity), stamp(f.Time), text(correctionsText(f.Corrections))}
}

// correctionsText is a flow's corrections in one cell: per correction
// "<time> <corrected_by>: <reason> (field=value, …)", joined by " | ".
func correctionsText(cs []FlowCorrection) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		var b strings.Builder
		b.WriteString(stamp(c.Time))
		if c.CorrectedBy != "" {
			b.WriteString(" " + c.CorrectedBy)
		}
		b.WriteString(": " + c.Reason)
		if len(c.Fields) > 0 {
			fs := make([]string, len(c.Fields))
			for j, f := range c.Fields {
				fs[j] = f.Field + "=" + f.Value
			}
			b.WriteString(" (" + strings.Join(fs, ", ") + ")")
		}
		parts[i] = b.String()
	}
	return strings.Join(parts, " | ")
}

func SummaryRecord(s SummaryItem) []string {
	return []string{s.Item, text(s.Name), text(s.NameZh), itoa(s.Needed), itoa(s.Allocated), itoa(s.Dispatched),
		itoa(s.Delivered), itoa(s.OpenShortage), itoa(s.AvailableCapacity)}
}

func RegionRecord(r RegionShortage) []string {
	return []string{r.Province, text(r.Name), text(r.NameZh), itoa(r.Needed), itoa(r.Allocated), itoa(r.Delivered),
		itoa(r.OpenShortage), strconv.FormatFloat(r.ShortageRatio, 'f', -1, 64), r.Level}
}

func SnapshotRecord(s SnapshotInfo) []string {
	return []string{s.Date, stamp(s.TakenAt), strconv.Itoa(s.Flows), strconv.Itoa(s.Summary), strconv.Itoa(s.Regions)}
}

// WriteCSV writes a header row of the field names, the HXL row when hxl
// is set, then the rows (RFC 4180, UTF-8 without a byte-order mark).
func WriteCSV(w io.Writer, fields []Field, hxl bool, rows [][]string) error {
	cw := csv.NewWriter(w)
	names := make([]string, len(fields))
	tags := make([]string, len(fields))
	for i, f := range fields {
		names[i], tags[i] = f.Name, f.HXL
	}
	if err := cw.Write(names); err != nil {
		return err
	}
	if hxl {
		if err := cw.Write(tags); err != nil {
			return err
		}
	}
	if err := cw.WriteAll(rows); err != nil {
		return err
	}
	return cw.Error()
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// text guards a free-text cell against spreadsheet formula injection: a
// cell that starts with = + - @ (or a tab or carriage return) is run as a
// formula by common spreadsheets, so it gets a leading apostrophe, as
// OWASP advises. Only names and reasons are free text.
func text(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// ChinaTime is China Standard Time (UTC+8, no daylight saving): the day
// a snapshot is dated by is the public's day.
var ChinaTime = time.FixedZone("CST", 8*60*60)

// Snapshot is the public views as they stood at one moment, kept by
// date so anyone can compare days.
type Snapshot struct {
	Date    string
	TakenAt time.Time
	Summary []SummaryItem
	Regions []RegionShortage
	Flows   []Flow
}

// Info is the snapshot's entry in the list.
func (s Snapshot) Info() SnapshotInfo {
	return SnapshotInfo{Date: s.Date, TakenAt: s.TakenAt, Flows: len(s.Flows), Summary: len(s.Summary), Regions: len(s.Regions)}
}

// SnapshotInfo is one row of GET /v1/public/export/snapshots.{csv,json}:
// the date and how many rows each dataset holds.
type SnapshotInfo struct {
	Date    string    `json:"date"`
	TakenAt time.Time `json:"taken_at"`
	Flows   int       `json:"flows"`
	Summary int       `json:"summary"`
	Regions int       `json:"regions"`
}

// SnapshotDate is the date (YYYY-MM-DD, China Standard Time) a snapshot
// taken at t is filed under.
func SnapshotDate(t time.Time) string { return t.In(ChinaTime).Format(time.DateOnly) }

// SnapshotStore keeps the daily snapshots, one document per date.
type SnapshotStore interface {
	// PutSnapshot stores s under s.Date, replacing that date's earlier one.
	PutSnapshot(ctx context.Context, s Snapshot) error
	// GetSnapshot is the snapshot of date, or apperr NotFound.
	GetSnapshot(ctx context.Context, date string) (Snapshot, error)
	// ListSnapshots is every snapshot's info, oldest first.
	ListSnapshots(ctx context.Context) ([]SnapshotInfo, error)
}
