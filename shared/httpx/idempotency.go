package httpx

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/aidflow/aidflow/shared/apperr"
	"github.com/aidflow/aidflow/shared/keymutex"
)

// IdempotencyHeader is the request header clients set on retried writes.
const IdempotencyHeader = "Idempotency-Key"

// SavedResponse is a write's first answer, kept for replays.
type SavedResponse struct {
	Status      int    `bson:"status"`
	ContentType string `bson:"content_type"`
	Body        []byte `bson:"body"`
	BodyHash    string `bson:"body_hash"`
}

// IdempotencyStore keeps first answers by key.
type IdempotencyStore interface {
	// Get returns the saved answer, or nil when there is none.
	Get(ctx context.Context, key string) (*SavedResponse, error)
	Put(ctx context.Context, key string, r SavedResponse) error
}

// Idempotency replays the first answer to a write sent again with the same
// Idempotency-Key and body, and refuses the key with a different body.
// scope names the caller (its organization), so keys never collide across
// organizations. Answers of 5xx are not kept: the client should retry.
func Idempotency(store IdempotencyStore, scope func(echo.Context) string) echo.MiddlewareFunc {
	var locks keymutex.Map
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			req := c.Request()
			ikey := req.Header.Get(IdempotencyHeader)
			if ikey == "" || req.Method == http.MethodGet || req.Method == http.MethodHead {
				return next(c)
			}
			if len(ikey) > 255 {
				return &apperr.Error{Code: apperr.Invalid, Message: "Idempotency-Key must be at most 255 characters",
					Fields: []apperr.FieldError{{Field: IdempotencyHeader, Message: "must be at most 255 characters"}}}
			}
			body, err := io.ReadAll(req.Body)
			if err != nil {
				return err // the body limit's 413
			}
			req.Body = io.NopCloser(bytes.NewReader(body))
			sum := sha256.Sum256(body)
			bodyHash := hex.EncodeToString(sum[:])
			k := sha256.Sum256([]byte(scope(c) + "\x00" + req.Method + "\x00" + req.URL.Path + "\x00" + ikey))
			key := hex.EncodeToString(k[:])
			rk := sha256.Sum256([]byte(key + "\x00" + bodyHash))
			c.Set(requestKeyContext, hex.EncodeToString(rk[:]))

			unlock := locks.Lock(key)
			defer unlock()
			ctx := req.Context()
			saved, err := store.Get(ctx, key)
			if err != nil {
				return apperr.Wrap(apperr.Unavailable, err, "the idempotency record could not be read; retry")
			}
			if saved != nil {
				if saved.BodyHash != bodyHash {
					return &apperr.Error{Code: apperr.Unprocessable,
						Message: "this Idempotency-Key was already used with a different body; use a new key for a new request",
						Fields:  []apperr.FieldError{{Field: IdempotencyHeader, Message: "reused with a different body"}}}
				}
				c.Response().Header().Set("Idempotent-Replayed", "true")
				return c.Blob(saved.Status, saved.ContentType, saved.Body)
			}

			rec := &recorder{ResponseWriter: c.Response().Writer}
			c.Response().Writer = rec
			if err := next(c); err != nil {
				c.Error(err)
			}
			status := c.Response().Status
			if status < 500 {
				r := SavedResponse{Status: status, ContentType: c.Response().Header().Get(echo.HeaderContentType), Body: rec.buf.Bytes(), BodyHash: bodyHash}
				if err := store.Put(context.WithoutCancel(ctx), key, r); err != nil {
					c.Logger().Errorf("idempotency record not saved: %v", err)
				}
			}
			return nil
		}
	}
}

const requestKeyContext = "httpx.request_key"

// RequestKey identifies a write sent with an Idempotency-Key: the caller's
// scope, the method, the path, the key and the body, hashed (64 hex
// digits); "" when the request carries no key or did not pass through
// Idempotency. The middleware records a write's answer only after the
// handler has written, so a process that dies in between leaves the write
// stored and no record: the client's retry reaches the handler again. A
// use case that creates or replaces something therefore derives the new
// thing's id (or a mark it keeps with it) from RequestKey, so the retry
// finds what the first try wrote instead of writing it again (found by
// the fault suite, e2e/faults).
func RequestKey(c echo.Context) string {
	k, _ := c.Get(requestKeyContext).(string)
	return k
}

type recorder struct {
	http.ResponseWriter
	buf bytes.Buffer
}

func (r *recorder) Write(b []byte) (int, error) {
	r.buf.Write(b)
	return r.ResponseWriter.Write(b)
}

func (r *recorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// MemoryIdempotencyStore is an in-memory IdempotencyStore for tests and fakes.
type MemoryIdempotencyStore struct {
	locks keymutex.Map
	m     map[string]SavedResponse
}

func (s *MemoryIdempotencyStore) Get(_ context.Context, key string) (*SavedResponse, error) {
	unlock := s.locks.Lock("")
	defer unlock()
	if r, ok := s.m[key]; ok {
		return &r, nil
	}
	return nil, nil
}

func (s *MemoryIdempotencyStore) Put(_ context.Context, key string, r SavedResponse) error {
	unlock := s.locks.Lock("")
	defer unlock()
	if s.m == nil {
		s.m = map[string]SavedResponse{}
	}
	s.m[key] = r
	return nil
}
