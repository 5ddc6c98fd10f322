package ports

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/aidflow/aidflow/services/disclosure/domain"
	"github.com/aidflow/aidflow/shared/apperr"
)

// export is GET /v1/public/export/{dataset}.{csv,json}: the whole dataset
// (flows, summary, regions; or snapshots, the list of kept days), now or,
// with ?date=YYYY-MM-DD, as that day's snapshot had it. ?hxl=1 adds the
// HXL hashtag row under a CSV's header.
func (h handlers) export(c echo.Context) error {
	dataset, format, ok := strings.Cut(c.Param("file"), ".")
	if !ok || (format != "csv" && format != "json") {
		return apperr.New(apperr.NotFound, "no such download: use {flows,summary,regions,snapshots}.{csv,json}")
	}
	var v apperr.Validation
	hxl := false
	switch q := c.QueryParam("hxl"); q {
	case "", "0", "false":
	case "1", "true":
		hxl = true
	default:
		v.Add("hxl", "must be 1 or 0")
	}
	date := c.QueryParam("date")
	if date != "" {
		if _, err := time.Parse(time.DateOnly, date); err != nil {
			v.Add("date", "must be a date YYYY-MM-DD")
		} else if dataset == domain.DatasetSnapshots {
			v.Add("date", "the list of snapshots has no date")
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	var (
		fields []domain.Field
		rows   [][]string
		items  any
	)
	if dataset == domain.DatasetSnapshots {
		list := h.app.Snapshots()
		fields, rows, items = domain.SnapshotFields, records(list, domain.SnapshotRecord), list
	} else {
		views, err := h.datasets(c, date)
		if err != nil {
			return err
		}
		switch dataset {
		case domain.DatasetFlows:
			fields, rows, items = domain.FlowFields, records(views.Flows, domain.FlowRecord), views.Flows
		case domain.DatasetSummary:
			fields, rows, items = domain.SummaryFields, records(views.Summary, domain.SummaryRecord), views.Summary
		case domain.DatasetRegions:
			fields, rows, items = domain.RegionFields, records(views.Regions, domain.RegionRecord), views.Regions
		default:
			return apperr.New(apperr.NotFound, "no dataset %q: use flows, summary, regions or snapshots", dataset)
		}
	}
	name := "aidflow-" + dataset
	if date != "" {
		name += "-" + date
		// A day's snapshot never changes once the day is over.
		c.Response().Header().Set("Cache-Control", "public, max-age=3600")
	} else {
		public(c)
	}
	c.Response().Header().Set("Content-Disposition", `attachment; filename="`+name+"."+format+`"`)
	if format == "json" {
		raw, err := json.Marshal(struct {
			Items any    `json:"items"`
			Next  string `json:"next"`
		}{orEmpty(items), ""})
		if err != nil {
			return err
		}
		return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, raw)
	}
	var buf bytes.Buffer
	if err := domain.WriteCSV(&buf, fields, hxl, rows); err != nil {
		return err
	}
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
}

// exportViews are the three datasets of one moment.
type exportViews struct {
	Summary []domain.SummaryItem
	Regions []domain.RegionShortage
	Flows   []domain.Flow
}

func (h handlers) datasets(c echo.Context, date string) (exportViews, error) {
	if date == "" {
		v := h.app.Views()
		return exportViews{Summary: v.Summary, Regions: v.Regions, Flows: v.Flows}, nil
	}
	s, err := h.app.Snapshot(c.Request().Context(), date)
	if err != nil {
		return exportViews{}, err
	}
	return exportViews{Summary: s.Summary, Regions: s.Regions, Flows: s.Flows}, nil
}

func records[T any](xs []T, record func(T) []string) [][]string {
	out := make([][]string, len(xs))
	for i, x := range xs {
		out[i] = record(x)
	}
	return out
}

// orEmpty makes an empty dataset [] in JSON, not null.
func orEmpty(items any) any {
	switch v := items.(type) {
	case []domain.Flow:
		if v == nil {
			return []domain.Flow{}
		}
	case []domain.SnapshotInfo:
		if v == nil {
			return []domain.SnapshotInfo{}
		}
	}
	return items
}
