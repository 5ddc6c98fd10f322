package httpx

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/aidflow/aidflow/shared/apperr"
)

// Bind decodes the JSON body into dst strictly: the content type must be
// JSON, unknown fields are refused by name (so a client cannot set status
// or allocated_quantity by adding them), and there must be one JSON value.
func Bind(c echo.Context, dst any) error {
	body, err := readBody(c)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return apperr.New(apperr.Invalid, "the request body is empty; send a JSON object")
	}
	if ct := c.Request().Header.Get(echo.HeaderContentType); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return apperr.New(apperr.Invalid, "Content-Type must be application/json, got %q", ct)
		}
	}
	return DecodeJSON(body, dst)
}

// DecodeJSON is Bind's decoder, for bodies read elsewhere (and fuzzing).
func DecodeJSON(body []byte, dst any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeError(err)
	}
	if dec.More() {
		return apperr.New(apperr.Invalid, "the body must hold exactly one JSON object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return apperr.New(apperr.Invalid, "the body must hold exactly one JSON object")
	}
	return nil
}

func decodeError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return apperr.New(apperr.Invalid, "the body is not valid JSON (at byte %d)", syn.Offset)
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return apperr.New(apperr.Invalid, "the body must be a JSON object")
		}
		return &apperr.Error{Code: apperr.Invalid, Message: fmt.Sprintf("%s: must be %s", field, kind(typ.Type.Kind().String())),
			Fields: []apperr.FieldError{{Field: field, Message: "must be " + kind(typ.Type.Kind().String())}}}
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return apperr.New(apperr.Invalid, "the body is not complete JSON")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &apperr.Error{Code: apperr.Invalid, Message: fmt.Sprintf("%s: is not a field of this request; remove it", field),
			Fields: []apperr.FieldError{{Field: field, Message: "is not a field of this request; remove it"}}}
	}
	return apperr.Wrap(apperr.Invalid, err, "the body could not be decoded")
}

func kind(k string) string {
	switch k {
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
		return "a whole number"
	case "float32", "float64":
		return "a number"
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice", "array":
		return "a list"
	case "struct", "map":
		return "an object"
	}
	return "of another type"
}

func jsonEncode(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// NoBody guards a write that takes no body (cancel, confirm, accept, a new
// token): an empty body or {} passes; anything else is refused as Bind
// would refuse it, naming the first field, so a client that adds
// `{"status": ...}` to an action learns it was not applied instead of
// seeing the action succeed with its fields silently dropped.
func NoBody(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		body, err := readBody(c)
		if err != nil {
			return err
		}
		if len(bytes.TrimSpace(body)) > 0 {
			if err := DecodeJSON(body, &struct{}{}); err != nil {
				return err
			}
		}
		c.Request().Body = io.NopCloser(bytes.NewReader(nil))
		return next(c)
	}
}

// readBody reads the whole body; past the body limit it is the limit's 413.
func readBody(c echo.Context) ([]byte, error) {
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		var he *echo.HTTPError
		if errors.As(err, &he) {
			return nil, he
		}
		return nil, apperr.Wrap(apperr.Invalid, err, "the request body could not be read")
	}
	return body, nil
}
