// Package app holds the donation service's use cases, one file each.
package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/aidflow/aidflow/services/donation/domain"
	"github.com/aidflow/aidflow/shared/apperr"
	"github.com/aidflow/aidflow/shared/logging"
)

// Source is the event source name of this service.
const Source = "donation"

// App is the donation service's use cases.
type App struct {
	Donations domain.Repository
	Orgs      domain.Orgs
	Now       func() time.Time
	Log       *slog.Logger
}

// New returns the use cases.
func New(donations domain.Repository, orgs domain.Orgs, log *slog.Logger) *App {
	if log == nil {
		log = logging.Discard()
	}
	return &App{Donations: donations, Orgs: orgs, Now: time.Now, Log: log}
}

// hospitalNames looks up the public names of the hospitals d's
// allocations go to; one read by _id per hospital.
func (a *App) hospitalNames(ctx context.Context, d domain.Donation) (map[string]string, error) {
	names := map[string]string{}
	for _, al := range d.Allocations {
		if _, done := names[al.HospitalID]; done || al.HospitalID == "" {
			continue
		}
		o, err := a.Orgs.Get(ctx, al.HospitalID)
		switch {
		case apperr.Is(err, apperr.NotFound):
			names[al.HospitalID] = "" // registered moments ago; its event is on the way
		case err != nil:
			return nil, err
		default:
			names[al.HospitalID] = o.Name
		}
	}
	return names, nil
}
