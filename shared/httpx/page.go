package httpx

import (
	"encoding/base64"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/aidflow/aidflow/shared/apperr"
)

// List is the shape of every list answer: items and the cursor of the next
// page, empty on the last one.
type List[T any] struct {
	Items []T    `json:"items"`
	Next  string `json:"next"`
}

// NewList makes sure items encodes as [] rather than null.
func NewList[T any](items []T, next string) List[T] {
	if items == nil {
		items = []T{}
	}
	return List[T]{Items: items, Next: next}
}

// Page is a parsed ?limit= and ?cursor=.
type Page struct {
	Limit int
	// After is the decoded cursor: the key of the last item already seen.
	After string
}

// DefaultLimit and MaxLimit bound ?limit= on every list.
const (
	DefaultLimit = 50
	MaxLimit     = 200
)

// ParsePage reads ?limit= (clamped to 1..MaxLimit) and ?cursor=.
func ParsePage(c echo.Context) (Page, error) {
	p := Page{Limit: DefaultLimit}
	if s := c.QueryParam("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return p, &apperr.Error{Code: apperr.Invalid, Message: "limit must be a whole number",
				Fields: []apperr.FieldError{{Field: "limit", Message: "must be a whole number between 1 and " + strconv.Itoa(MaxLimit)}}}
		}
		p.Limit = min(max(n, 1), MaxLimit)
	}
	if s := c.QueryParam("cursor"); s != "" {
		after, err := DecodeCursor(s)
		if err != nil {
			return p, err
		}
		p.After = after
	}
	return p, nil
}

// EncodeCursor makes an opaque cursor from the last key of a page.
func EncodeCursor(key string) string {
	if key == "" {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString([]byte(key))
}

// DecodeCursor reverses EncodeCursor.
func DecodeCursor(s string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) == 0 {
		return "", &apperr.Error{Code: apperr.Invalid, Message: "cursor is not one this server gave out",
			Fields: []apperr.FieldError{{Field: "cursor", Message: "pass back the 'next' value of the previous page unchanged"}}}
	}
	return string(b), nil
}

// Paginate cuts a slice sorted by key after p.After to p.Limit items and
// returns the next cursor.
func Paginate[T any](all []T, key func(T) string, p Page) ([]T, string) {
	start := 0
	if p.After != "" {
		for start < len(all) && key(all[start]) <= p.After {
			start++
		}
	}
	end := min(start+p.Limit, len(all))
	page := all[start:end]
	next := ""
	if end < len(all) && len(page) > 0 {
		next = EncodeCursor(key(page[len(page)-1]))
	}
	return page, next
}

// ComputedList answers 200 with one page of a list computed whole for each
// request (from a read model): the page named by ?limit= and ?cursor=,
// each item shown by toJSON. list returns the items sorted by key, keys
// unique. A bad page parameter is refused before list runs.
func ComputedList[T, J any](c echo.Context, list func() ([]T, error), key func(T) string, toJSON func(T) J) error {
	p, err := ParsePage(c)
	if err != nil {
		return err
	}
	all, err := list()
	if err != nil {
		return err
	}
	page, next := Paginate(all, key, p)
	items := make([]J, 0, len(page))
	for _, t := range page {
		items = append(items, toJSON(t))
	}
	return c.JSON(http.StatusOK, NewList(items, next))
}
