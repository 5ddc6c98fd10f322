package httpx

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/aidflow/aidflow/shared/apperr"
)

// Problem is an RFC 9457 problem details document.
type Problem struct {
	Type     string              `json:"type"`
	Title    string              `json:"title"`
	Status   int                 `json:"status"`
	Detail   string              `json:"detail,omitempty"`
	Instance string              `json:"instance,omitempty"`
	Errors   []apperr.FieldError `json:"errors,omitempty"`
}

// ProblemContentType is the media type of every error answer.
const ProblemContentType = "application/problem+json"

var statusOf = map[apperr.Code]int{
	apperr.Invalid:       http.StatusBadRequest,
	apperr.Unprocessable: http.StatusUnprocessableEntity,
	apperr.Unauthorized:  http.StatusUnauthorized,
	apperr.Forbidden:     http.StatusForbidden,
	apperr.NotFound:      http.StatusNotFound,
	apperr.Conflict:      http.StatusConflict,
	apperr.TooLarge:      http.StatusRequestEntityTooLarge,
	apperr.RateLimited:   http.StatusTooManyRequests,
	apperr.Unavailable:   http.StatusServiceUnavailable,
	apperr.Internal:      http.StatusInternalServerError,
}

var codeOfStatus = map[int]apperr.Code{}

func init() {
	for c, s := range statusOf {
		codeOfStatus[s] = c
	}
	codeOfStatus[http.StatusMethodNotAllowed] = apperr.Invalid
}

// Status returns the HTTP status of an error code.
func Status(code apperr.Code) int {
	if s, ok := statusOf[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// ProblemOf maps any error to the problem a client sees. This is the one
// place errors become HTTP answers.
func ProblemOf(err error) Problem {
	var he *echo.HTTPError
	if errors.As(err, &he) && !isAppErr(err) {
		detail := http.StatusText(he.Code)
		if m, ok := he.Message.(string); ok && m != "" {
			detail = m
		}
		switch he.Code {
		case http.StatusRequestEntityTooLarge:
			detail = "the request body is larger than this endpoint accepts"
		case http.StatusNotFound:
			detail = "no such resource"
		}
		code, ok := codeOfStatus[he.Code]
		if !ok {
			code = apperr.Internal
		}
		return Problem{Type: typeURI(code), Title: http.StatusText(he.Code), Status: he.Code, Detail: detail}
	}
	e := apperr.As(err)
	status := Status(e.Code)
	p := Problem{Type: typeURI(e.Code), Title: http.StatusText(status), Status: status, Detail: e.Message, Errors: e.Fields}
	if e.Code == apperr.Internal {
		p.Detail = "an internal error occurred; it has been logged"
	}
	return p
}

func isAppErr(err error) bool {
	var e *apperr.Error
	return errors.As(err, &e)
}

func typeURI(code apperr.Code) string { return "urn:aidflow:problem:" + string(code) }

// ErrorHandler writes every error as problem+json; only internal errors are
// logged as errors.
func ErrorHandler(log *slog.Logger) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		if c.Response().Committed {
			return
		}
		p := ProblemOf(err)
		p.Instance = c.Request().URL.Path
		ctx := c.Request().Context()
		if p.Status >= 500 {
			log.ErrorContext(ctx, "request failed", "err", err, "path", c.Path(), "method", c.Request().Method)
		} else {
			log.DebugContext(ctx, "request refused", "status", p.Status, "detail", p.Detail)
		}
		if p.Status == http.StatusUnauthorized {
			c.Response().Header().Set("WWW-Authenticate", `Bearer realm="aidflow"`)
		}
		if c.Request().Method == http.MethodHead {
			_ = c.NoContent(p.Status)
			return
		}
		c.Response().Header().Set(echo.HeaderContentType, ProblemContentType)
		c.Response().WriteHeader(p.Status)
		_ = jsonEncode(c.Response(), p)
	}
}
