package ports

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/aidflow/aidflow/services/console/domain"
)

// CookieName is the console's one cookie: the sealed session.
const CookieName = "aidflow_console"

// VisitorTTL is how long a visitor's (not signed-in) session lives: long
// enough to fill in the sign-in form.
const VisitorTTL = time.Hour

// Sessions reads and writes the sealed session cookie.
type Sessions struct {
	Sealer *domain.Sealer
	// TTL is how long a signed-in session lasts.
	TTL time.Duration
	// Secure marks the cookie Secure (HTTPS only).
	Secure bool
	Now    func() time.Time
}

// Read returns the request's session, or ok false when it has none valid.
func (s *Sessions) Read(c echo.Context) (domain.Session, bool) {
	ck, err := c.Cookie(CookieName)
	if err != nil {
		return domain.Session{}, false
	}
	sess, err := s.Sealer.Open(ck.Value, s.Now())
	return sess, err == nil
}

// Visitor returns the request's session, or starts a visitor's one (a
// CSRF token, no API token) and sets its cookie.
func (s *Sessions) Visitor(c echo.Context) domain.Session {
	if sess, ok := s.Read(c); ok {
		return sess
	}
	sess := domain.Session{CSRF: domain.NewCSRF(), Expires: s.Now().Add(VisitorTTL)}
	s.Write(c, sess)
	return sess
}

// Write sets the cookie to sess, sealed.
func (s *Sessions) Write(c echo.Context, sess domain.Session) {
	c.SetCookie(s.cookie(s.Sealer.Seal(sess), sess.Expires))
}

// End replaces the session with a fresh visitor's: the token is gone
// from the browser, and the sign-in form it lands on still works.
func (s *Sessions) End(c echo.Context) domain.Session {
	sess := domain.Session{CSRF: domain.NewCSRF(), Expires: s.Now().Add(VisitorTTL)}
	s.Write(c, sess)
	return sess
}

func (s *Sessions) cookie(value string, expires time.Time) *http.Cookie {
	return &http.Cookie{
		Name: CookieName, Value: value, Path: "/console",
		Expires: expires, MaxAge: max(int(expires.Sub(s.Now()).Seconds()), 1),
		HttpOnly: true, Secure: s.Secure, SameSite: http.SameSiteStrictMode,
	}
}
