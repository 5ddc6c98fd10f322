package testkit

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aidflow/aidflow/contracts/openapi/conform"
)

// Response is a service's answer to Call.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Object is the body as a JSON object, nil when it is not one (a 204, a
// CSV file): tests that want it strict use Decode.
func (r Response) Object() map[string]any {
	var out map[string]any
	_ = json.Unmarshal(r.Body, &out)
	return out
}

// Call sends one request to h in-process, as a client of the service would:
// a body goes as application/json, a token as a bearer token, then header
// (name, value, ...) is set over both. When doc is not nil the answer is
// checked against the service's OpenAPI document, and one it does not
// promise fails the test (after the call returns, so the caller still sees
// the answer).
func Call(tb testing.TB, h http.Handler, doc *conform.Checker, method, path, token, body string, header ...string) Response {
	tb.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	res := rec.Result()
	b, _ := io.ReadAll(res.Body) // a recorder's body: reading it cannot fail
	if doc != nil {
		if err := doc.Response(method, path, res.StatusCode, res.Header.Get("Content-Type"), b); err != nil {
			tb.Errorf("%s %s answered outside the OpenAPI document: %v\n%s", method, path, err, b)
		}
	}
	return Response{Status: res.StatusCode, Header: res.Header, Body: b}
}

// Checker loads service's OpenAPI document for Call.
func Checker(tb testing.TB, service string) *conform.Checker {
	tb.Helper()
	doc, err := conform.New(service)
	if err != nil {
		tb.Fatal(err)
	}
	return doc
}

// Decode unmarshals a JSON body into a T, failing the test if it is not one.
func Decode[T any](tb testing.TB, body []byte) T {
	tb.Helper()
	var v T
	if err := json.Unmarshal(body, &v); err != nil {
		tb.Fatalf("decode %s: %v", body, err)
	}
	return v
}
