// Package app holds the console's use cases, one file each. Each calls the
// API with the signed-in regulator's token and shapes the answers for a
// page; none keeps anything between requests.
package app

import (
	"time"

	"github.com/aidflow/aidflow/services/console/adapters/api"
	"github.com/aidflow/aidflow/services/console/domain"
)

// DefaultMaxRead bounds how many items a view that adds up a whole list
// reads from the API (needs, capacity reports, allocations): 25 pages.
const DefaultMaxRead = 5000

// App is the console's use cases.
type App struct {
	API *api.Client
	Now func() time.Time
	// StaleAfter is how long a manufacturer may go without a capacity
	// report before it is listed as stale.
	StaleAfter time.Duration
	// MaxRead bounds the lists a view adds up.
	MaxRead int
}

// New returns the use cases over the API client.
func New(c *api.Client) *App {
	return &App{API: c, Now: time.Now, StaleAfter: domain.DefaultStaleAfter, MaxRead: DefaultMaxRead}
}
