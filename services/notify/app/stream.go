package app

import (
	"context"
	"sync"

	"github.com/aidflow/aidflow/services/notify/domain"
	"github.com/aidflow/aidflow/shared/apperr"
	"github.com/aidflow/aidflow/shared/auth"
)

// Hub hands new feed entries to the live streams open in this process.
type Hub struct {
	mu     sync.Mutex
	closed bool
	subs   map[string]map[*listener]bool // feed key -> listeners
	perOrg map[string]int
}

type listener struct {
	ch chan domain.FeedEntry
	// lagged is closed when the listener could not keep up and lost
	// entries; its stream ends so the client reconnects and catches up
	// from the backlog.
	lagged chan struct{}
	once   sync.Once
}

// listenerBuffer is how many entries a slow stream may fall behind.
const listenerBuffer = 256

func newHub() *Hub {
	return &Hub{subs: map[string]map[*listener]bool{}, perOrg: map[string]int{}}
}

func (h *Hub) publish(key string, e domain.FeedEntry) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for l := range h.subs[key] {
		select {
		case l.ch <- e:
		default:
			l.once.Do(func() { close(l.lagged) })
		}
	}
}

func (h *Hub) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for _, ls := range h.subs {
		for l := range ls {
			l.once.Do(func() { close(l.lagged) })
		}
	}
}

// Stream is one open live feed: the backlog after the client's last
// event, then live entries, each after the one before.
type Stream struct {
	Backlog []domain.FeedEntry
	// Live carries entries published after the stream opened.
	Live <-chan domain.FeedEntry
	// Ended is closed when the stream must end (too slow, or stopping).
	Ended <-chan struct{}
	stop  func()
}

// Close releases the stream.
func (s *Stream) Close() { s.stop() }

// ErrTooManyStreams: the organization has the most live streams allowed open.
var ErrTooManyStreams = apperr.New(apperr.RateLimited, "this organization has the most live streams open that it may; close one and retry")

// OpenStream opens the actor's live feed (its organization's, or the
// regulators' feed). With resume (the client sent Last-Event-ID) the
// backlog after lastSeq comes first; Last-Event-ID 0 asks for all the
// backlog kept. At most Settings.StreamsPerOrg are open per organization.
func (a *App) OpenStream(ctx context.Context, actor auth.Claims, lastSeq int64, resume bool) (*Stream, error) {
	key := domain.FeedKeyOf(actor)
	l := &listener{ch: make(chan domain.FeedEntry, listenerBuffer), lagged: make(chan struct{})}
	h := a.hub
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil, apperr.New(apperr.Unavailable, "the service is stopping; reconnect")
	}
	if h.perOrg[actor.OrgID] >= a.Settings.StreamsPerOrg {
		h.mu.Unlock()
		return nil, ErrTooManyStreams
	}
	h.perOrg[actor.OrgID]++
	if h.subs[key] == nil {
		h.subs[key] = map[*listener]bool{}
	}
	h.subs[key][l] = true
	h.mu.Unlock()
	stop := func() {
		h.mu.Lock()
		delete(h.subs[key], l)
		if len(h.subs[key]) == 0 {
			delete(h.subs, key)
		}
		if h.perOrg[actor.OrgID]--; h.perOrg[actor.OrgID] <= 0 {
			delete(h.perOrg, actor.OrgID)
		}
		h.mu.Unlock()
	}
	// Listening before reading the backlog: an entry published in between
	// is in both, and the stream skips what it already sent.
	var backlog []domain.FeedEntry
	if resume {
		var err error
		if backlog, err = a.Repo.FeedSince(ctx, key, lastSeq); err != nil {
			stop()
			return nil, err
		}
	}
	return &Stream{Backlog: backlog, Live: l.ch, Ended: l.lagged, stop: sync.OnceFunc(stop)}, nil
}
