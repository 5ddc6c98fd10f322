// Package app holds disclosure's use cases: applying events to the public
// read model, and the public queries over it.
package app

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/aidflow/aidflow/services/disclosure/domain"
	"github.com/aidflow/aidflow/shared/logging"
)

// App is the public read model: in memory for every query, persisted so a
// restart does not replay every stream.
type App struct {
	Store  domain.Store
	Logger *slog.Logger

	// wmu serialises writers (the consumers of several streams), so each
	// change is computed from the state the previous one left.
	wmu sync.Mutex
	// mu guards the model and gen; readers hold it only while computing views.
	mu    sync.RWMutex
	model *domain.Model
	gen   uint64

	views atomic.Pointer[Views]

	// snapMu guards snapshots, the list of kept snapshots (one a day).
	snapMu    sync.Mutex
	snapshots []domain.SnapshotInfo

	subMu  sync.Mutex
	subs   map[chan struct{}]struct{}
	closed bool
}

// New returns the use cases over store; call Load before serving.
func New(store domain.Store) *App {
	return &App{Store: store, Logger: logging.Discard(), model: domain.NewModel(), subs: map[chan struct{}]struct{}{}}
}

// Load reads the stored read model into memory, at start.
func (a *App) Load(ctx context.Context) error {
	m, err := a.Store.Load(ctx)
	if err != nil {
		return err
	}
	if err := a.loadSnapshots(ctx); err != nil {
		return err
	}
	a.wmu.Lock()
	defer a.wmu.Unlock()
	a.mu.Lock()
	a.model = m
	a.gen++
	a.mu.Unlock()
	return nil
}

// change applies one rule: decide computes the entity from the model as it
// is; when it differs, it is stored, then set in memory, so what the
// public sees is always what a restart would load.
func (a *App) change(ctx context.Context, decide func(m *domain.Model) (changed bool, put func(context.Context) error, set func(*domain.Model))) error {
	a.wmu.Lock()
	defer a.wmu.Unlock()
	a.mu.RLock()
	changed, put, set := decide(a.model)
	a.mu.RUnlock()
	if !changed {
		return nil
	}
	if err := put(ctx); err != nil {
		return err
	}
	a.mu.Lock()
	set(a.model)
	a.gen++
	a.mu.Unlock()
	a.notify()
	return nil
}

// Views are the public views of one state of the model.
type Views struct {
	// Gen numbers the model's states; it grows with every change.
	Gen     uint64
	Summary []domain.SummaryItem
	Regions []domain.RegionShortage
	Flows   []domain.Flow
}

// Views returns the public views of the current model, computed once per
// change and shared by every reader until the next one.
func (a *App) Views() Views {
	a.mu.RLock()
	defer a.mu.RUnlock()
	if v := a.views.Load(); v != nil && v.Gen == a.gen {
		return *v
	}
	v := &Views{Gen: a.gen, Summary: a.model.Summary(), Regions: a.model.Regions(), Flows: a.model.Flows()}
	a.views.Store(v)
	return *v
}

// Subscribe returns a channel that receives a signal after changes (several
// changes may be coalesced into one signal) and a function to stop. It is
// what a live feed (Server-Sent Events) follows. The channel is closed
// when the service stops (CloseSubscribers), so long-lived streams end.
func (a *App) Subscribe() (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	a.subMu.Lock()
	defer a.subMu.Unlock()
	if a.closed {
		close(ch)
		return ch, func() {}
	}
	a.subs[ch] = struct{}{}
	return ch, func() {
		a.subMu.Lock()
		defer a.subMu.Unlock()
		if _, ok := a.subs[ch]; ok {
			delete(a.subs, ch)
			close(ch)
		}
	}
}

// CloseSubscribers closes every subscription, now and from now on.
func (a *App) CloseSubscribers() {
	a.subMu.Lock()
	defer a.subMu.Unlock()
	a.closed = true
	for ch := range a.subs {
		delete(a.subs, ch)
		close(ch)
	}
}

func (a *App) notify() {
	a.subMu.Lock()
	defer a.subMu.Unlock()
	for ch := range a.subs {
		select {
		case ch <- struct{}{}:
		default: // a signal is already pending
		}
	}
}
