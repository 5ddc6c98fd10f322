// Package apperr is the one error type of Aidflow. Domain and use-case code
// returns it (or wraps it with %w); the HTTP layer maps it to an RFC 9457
// problem in exactly one place (shared/httpx). Only Internal errors are
// logged as errors: the rest are the caller's to fix.
package apperr

import (
	"errors"
	"fmt"
)

// Code classifies an error; each maps to one HTTP status.
type Code string

const (
	Invalid       Code = "invalid"       // 400: the request cannot be read
	Unprocessable Code = "unprocessable" // 422: it can be read but breaks a rule
	Unauthorized  Code = "unauthorized"  // 401: no valid token
	Forbidden     Code = "forbidden"     // 403: valid token, not allowed
	NotFound      Code = "not_found"     // 404
	Conflict      Code = "conflict"      // 409: the state does not allow it now
	TooLarge      Code = "too_large"     // 413
	RateLimited   Code = "rate_limited"  // 429
	Unavailable   Code = "unavailable"   // 503: a dependency is down; retry
	Internal      Code = "internal"      // 500: our bug
)

// FieldError names one input field and what to fix in it.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is an application error with a code, a message for people and,
// for validation failures, the fields at fault.
type Error struct {
	Code    Code
	Message string
	Fields  []FieldError
	Err     error // the cause, never shown to clients
}

func (e *Error) Error() string {
	msg := string(e.Code) + ": " + e.Message
	for _, f := range e.Fields {
		msg += fmt.Sprintf("; %s: %s", f.Field, f.Message)
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// New returns an error with a code and a formatted message.
func New(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns an error with a code and message that keeps err as its cause.
func Wrap(code Code, err error, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Err: err}
}

// CodeOf returns the code of the first *Error in err's chain, Internal for
// any other non-nil error, and "" for nil.
func CodeOf(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// As returns the *Error in err's chain, or an Internal one wrapping err.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Code: Internal, Message: "internal error", Err: err}
}

// Is reports whether err carries code.
func Is(err error, code Code) bool { return CodeOf(err) == code }

// Validation collects field problems; Err returns nil when there are none.
type Validation struct{ fields []FieldError }

// Add records a problem with field.
func (v *Validation) Add(field, format string, args ...any) {
	v.fields = append(v.fields, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// Check records msg for field when ok is false.
func (v *Validation) Check(ok bool, field, format string, args ...any) {
	if !ok {
		v.Add(field, format, args...)
	}
}

// Fields returns the problems recorded so far.
func (v *Validation) Fields() []FieldError { return v.fields }

// Err returns an Unprocessable error listing every field problem, or nil.
func (v *Validation) Err() error {
	if len(v.fields) == 0 {
		return nil
	}
	msg := "the request has invalid fields"
	if len(v.fields) == 1 {
		msg = v.fields[0].Field + ": " + v.fields[0].Message
	}
	return &Error{Code: Unprocessable, Message: msg, Fields: v.fields}
}
