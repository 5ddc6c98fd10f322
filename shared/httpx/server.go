// Package httpx boots the echo server every Aidflow service uses, with the
// same middleware, probes, metrics and error mapping everywhere.
package httpx

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/aidflow/aidflow/shared/logging"
)

// DefaultBodyLimit bounds request bodies; larger ones get 413.
const DefaultBodyLimit = "1M"

// Options configure New.
type Options struct {
	Service string
	Logger  *slog.Logger
	// BodyLimit such as "1M"; default DefaultBodyLimit.
	BodyLimit string
	// CORSOrigins enables CORS for these origins; none by default.
	CORSOrigins []string
	// Ready reports whether the service can serve (database, NATS, caught up).
	Ready func(ctx context.Context) error
	// OpenAPI is served at /openapi.json when set.
	OpenAPI []byte
	// TrustedProxies are the ranges whose X-Forwarded-For names the client
	// (ClientAddress); none by default: the TCP peer is the client.
	TrustedProxies []*net.IPNet
	// AddressLimit limits requests per client address (ClientKey of
	// c.RealIP); nil is no limit. /healthz, /readyz and /metrics are never
	// limited.
	AddressLimit Limiter
}

// New returns an echo instance with request ids, panic recovery, a limit
// per client address, a body limit, secure headers, optional CORS, request metrics, /healthz, /readyz,
// /metrics and the problem+json error handler.
func New(o Options) *echo.Echo {
	if o.Logger == nil {
		o.Logger = logging.Discard()
	}
	if o.BodyLimit == "" {
		o.BodyLimit = DefaultBodyLimit
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = ErrorHandler(o.Logger)
	e.IPExtractor = ClientAddress(o.TrustedProxies)

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	requests := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:        "aidflow_http_request_duration_seconds",
		Help:        "HTTP request latency by route and status.",
		ConstLabels: prometheus.Labels{"service": o.Service},
		Buckets:     []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
	}, []string{"method", "route", "status"})
	reg.MustRegister(requests)

	e.Use(middleware.RequestIDWithConfig(middleware.RequestIDConfig{
		RequestIDHandler: func(c echo.Context, id string) {
			c.SetRequest(c.Request().WithContext(logging.WithRequestID(c.Request().Context(), id)))
		},
	}))
	e.Use(recoverer(o.Logger))
	e.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			err := next(c)
			if err != nil {
				c.Error(err)
			}
			requests.WithLabelValues(c.Request().Method, c.Path(), strconv.Itoa(c.Response().Status)).
				Observe(time.Since(start).Seconds())
			return nil
		}
	})
	if o.AddressLimit != nil {
		byAddress := LimitBy(o.AddressLimit, AddressKey, "this address")
		e.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
			limited := byAddress(next)
			return func(c echo.Context) error {
				if unlimited(c.Request().URL.Path) {
					return next(c)
				}
				return limited(c)
			}
		})
	}
	e.Use(middleware.BodyLimit(o.BodyLimit))
	e.Use(middleware.SecureWithConfig(middleware.SecureConfig{
		XSSProtection:         "0",
		ContentTypeNosniff:    "nosniff",
		XFrameOptions:         "DENY",
		ReferrerPolicy:        "no-referrer",
		ContentSecurityPolicy: "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
	}))
	if len(o.CORSOrigins) > 0 {
		e.Use(middleware.CORSWithConfig(middleware.CORSConfig{AllowOrigins: o.CORSOrigins}))
	}

	e.GET("/healthz", func(c echo.Context) error { return c.JSON(http.StatusOK, map[string]string{"status": "ok"}) })
	e.GET("/readyz", func(c echo.Context) error {
		if o.Ready != nil {
			if err := o.Ready(c.Request().Context()); err != nil {
				return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "not ready", "detail": err.Error()})
			}
		}
		return c.JSON(http.StatusOK, map[string]string{"status": "ready"})
	})
	e.GET("/metrics", echo.WrapHandler(promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg})))
	if o.OpenAPI != nil {
		e.GET("/openapi.json", func(c echo.Context) error { return c.Blob(http.StatusOK, "application/json", o.OpenAPI) })
	}
	return e
}

func recoverer(log *slog.Logger) echo.MiddlewareFunc {
	return middleware.RecoverWithConfig(middleware.RecoverConfig{
		DisableStackAll: true,
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			log.ErrorContext(c.Request().Context(), "panic", "err", err, "stack", string(stack))
			return err
		},
	})
}
