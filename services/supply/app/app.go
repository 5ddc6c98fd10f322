// Package app holds the supply service's use cases, one file each.
package app

import (
	"log/slog"
	"time"

	"github.com/aidflow/aidflow/services/supply/domain"
	"github.com/aidflow/aidflow/shared/logging"
)

// Source is the event source name of this service.
const Source = "supply"

// App is the supply service's use cases over a repository.
type App struct {
	Capacity domain.Repository
	Now      func() time.Time
	Log      *slog.Logger
}

// New returns the use cases.
func New(repo domain.Repository, log *slog.Logger) *App {
	if log == nil {
		log = logging.Discard()
	}
	return &App{Capacity: repo, Now: time.Now, Log: log}
}
