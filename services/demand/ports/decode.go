package ports

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/aidflow/aidflow/services/demand/domain"
	"github.com/aidflow/aidflow/shared/apperr"
	"github.com/aidflow/aidflow/shared/httpx"
)

// DecodeNeed reads a POST /v1/needs body: one JSON object, no unknown
// fields, quantity kept as its raw text for the domain to judge.
func DecodeNeed(body []byte) (domain.NewNeedInput, error) {
	var req postNeedRequest
	if err := httpx.DecodeJSON(body, &req); err != nil {
		return domain.NewNeedInput{}, err
	}
	return req.input(), nil
}

func (req postNeedRequest) input() domain.NewNeedInput {
	return domain.NewNeedInput{
		Item: req.Item, Quantity: rawNumber(req.Quantity), Urgency: req.Urgency, NeededBy: req.NeededBy,
		AcceptedStandards: req.AcceptedStandards, Note: req.Note,
	}
}

// MaxImportRows bounds a CSV import: a hospital's whole order list fits,
// and one request stays short enough to validate and write at once.
const MaxImportRows = 500

// CSV columns of POST /v1/needs:import.
var (
	csvRequired = []string{"item", "quantity", "urgency", "needed_by"}
	csvColumns  = append(slices.Clone(csvRequired), "accepted_standards", "note")
)

// DecodeNeedsCSV reads an import file: UTF-8 (a leading byte-order mark,
// as spreadsheets write, is skipped), comma-separated, a header row naming
// the columns in any order, then up to MaxImportRows rows. Rows whose cells
// are all empty are skipped. A file that cannot be read as such is a 400
// saying why; the rows' values are judged later, by the domain.
func DecodeNeedsCSV(body []byte) ([]domain.ImportRow, error) {
	body = bytes.TrimPrefix(body, []byte("\ufeff"))
	if !utf8.Valid(body) {
		return nil, apperr.New(apperr.Invalid, "the file is not UTF-8 text; save it as CSV UTF-8")
	}
	r := csv.NewReader(bytes.NewReader(body))
	r.FieldsPerRecord = 0 // every row as many cells as the header
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil, apperr.New(apperr.Invalid, "the file is empty; send a header row (%s) and one row per need", strings.Join(csvColumns, ","))
	}
	if err != nil {
		return nil, csvError(err)
	}
	col := map[string]int{}
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(h))
		if !slices.Contains(csvColumns, name) {
			return nil, apperr.New(apperr.Invalid, "header: column %q is not one of %s", h, strings.Join(csvColumns, ", "))
		}
		if _, dup := col[name]; dup {
			return nil, apperr.New(apperr.Invalid, "header: column %q appears twice", name)
		}
		col[name] = i
	}
	var missing []string
	for _, c := range csvRequired {
		if _, ok := col[c]; !ok {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return nil, apperr.New(apperr.Invalid, "header: the columns %s are missing; the first row must name the columns, e.g. %s",
			strings.Join(missing, ", "), strings.Join(csvColumns, ","))
	}
	cell := func(rec []string, name string) (string, bool) {
		i, ok := col[name]
		if !ok {
			return "", false
		}
		return rec[i], true
	}
	var rows []domain.ImportRow
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, csvError(err)
		}
		if !slices.ContainsFunc(rec, func(s string) bool { return strings.TrimSpace(s) != "" }) {
			continue
		}
		if len(rows) == MaxImportRows {
			return nil, apperr.New(apperr.TooLarge, "the file has more than %d rows; split it into files of at most %d", MaxImportRows, MaxImportRows)
		}
		line, _ := r.FieldPos(0)
		in := domain.NewNeedInput{}
		in.Item, _ = cell(rec, "item")
		in.Quantity, _ = cell(rec, "quantity")
		in.Urgency, _ = cell(rec, "urgency")
		in.NeededBy, _ = cell(rec, "needed_by")
		in.Item, in.Quantity, in.Urgency, in.NeededBy = strings.TrimSpace(in.Item), strings.TrimSpace(in.Quantity),
			strings.TrimSpace(in.Urgency), strings.TrimSpace(in.NeededBy)
		in.Note, _ = cell(rec, "note")
		if s, ok := cell(rec, "accepted_standards"); ok && strings.TrimSpace(s) != "" {
			in.AcceptedStandards = []string{}
			for part := range strings.SplitSeq(s, ";") {
				in.AcceptedStandards = append(in.AcceptedStandards, strings.TrimSpace(part))
			}
		}
		rows = append(rows, domain.ImportRow{Line: line, Input: in})
	}
	if len(rows) == 0 {
		return nil, apperr.New(apperr.Invalid, "the file has a header but no rows; add one row per need")
	}
	return rows, nil
}

func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		msg := pe.Err.Error()
		switch {
		case errors.Is(pe.Err, csv.ErrFieldCount):
			msg = "this row has a different number of cells than the header"
		case errors.Is(pe.Err, csv.ErrQuote), errors.Is(pe.Err, csv.ErrBareQuote):
			msg = "a quote is misplaced: put a cell that holds quotes, commas or line breaks in double quotes, and double the quotes inside it"
		}
		return apperr.New(apperr.Invalid, "line %d: %s", pe.StartLine, msg)
	}
	return apperr.Wrap(apperr.Invalid, err, "the file could not be read as CSV")
}
