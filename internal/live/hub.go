package live

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/civicgraph/civicgraph/internal/apperr"
	"github.com/civicgraph/civicgraph/internal/store"
)

// The defaults of Options.
const (
	// DefaultPoll is how often an SQLite hub reads the feed's last
	// sequence: a cheap MAX over the primary key, and the only way to learn
	// of another process's writes to the same file.
	DefaultPoll = 250 * time.Millisecond
	// DefaultSafetyPoll is how often a PostgreSQL hub reads it besides
	// listening: notifications normally wake followers at once, the poll
	// bounds the delay when one was missed (the listening connection was
	// being replaced when a transaction committed).
	DefaultSafetyPoll = 2 * time.Second
	// DefaultReadTimeout bounds one read of the hub or a follower: a page
	// of the feed and turning it into events. Subscriptions live for hours;
	// their reads must not.
	DefaultReadTimeout = 30 * time.Second
)

// Options tunes a hub; the zero value of each field means its default.
type Options struct {
	Poll        time.Duration // SQLite: DefaultPoll
	SafetyPoll  time.Duration // PostgreSQL: DefaultSafetyPoll
	ReadTimeout time.Duration // DefaultReadTimeout
}

// Hub learns that the change feed has grown and wakes the followers of one
// server process. Make one per process with New and Close it at shutdown;
// it watches the feed only while someone follows, so a hub nobody uses
// costs nothing and need not be closed.
type Hub struct {
	db   *store.DB
	opts Options

	ctx    context.Context // ends at Close
	cancel context.CancelFunc

	mu        sync.Mutex
	closed    bool
	wakers    map[chan struct{}]struct{} // one per follower
	last      int64                      // the greatest sequence known committed
	stopWatch context.CancelFunc         // of the running watch; nil when none runs

	running   sync.WaitGroup // watchers and followers, for Close
	watchers  atomic.Int32   // watch goroutines still running
	following atomic.Int32   // followers past their start
}

// New returns a hub over db.
func New(db *store.DB, opts Options) *Hub {
	if opts.Poll <= 0 {
		opts.Poll = DefaultPoll
	}
	if opts.SafetyPoll <= 0 {
		opts.SafetyPoll = DefaultSafetyPoll
	}
	if opts.ReadTimeout <= 0 {
		opts.ReadTimeout = DefaultReadTimeout
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Hub{db: db, opts: opts, ctx: ctx, cancel: cancel, wakers: map[chan struct{}]struct{}{}}
}

// Close ends every follower (its channel closes, so its subscription
// completes), stops watching and waits until all of it has stopped, so
// that the store may be closed next. Following afterwards fails. Closing
// twice is harmless.
func (h *Hub) Close() {
	h.mu.Lock()
	h.closed = true
	h.mu.Unlock()
	h.cancel()
	h.running.Wait()
}

// Bind returns a context that ends when ctx does or when the hub closes:
// a websocket connection bound to the hub is closed at shutdown, so that
// its client reconnects to a process that is still serving. Nothing needs
// releasing: the link to the hub goes when ctx ends.
func (h *Hub) Bind(ctx context.Context) context.Context {
	ctx, cancel := context.WithCancel(ctx)
	unlink := context.AfterFunc(h.ctx, cancel)
	context.AfterFunc(ctx, func() { unlink() })
	return ctx
}

// Followers is how many follow now: those whose start is read, so that
// every change committed from now on reaches each of them.
func (h *Hub) Followers() int { return int(h.following.Load()) }

// Sequence is the greatest change-feed sequence the hub has learned
// committed and woken its followers for (0 before it has learned any). It
// moves only while someone follows: a hub nobody follows does not watch
// the feed.
func (h *Hub) Sequence() int64 { return h.known() }

// Watching reports whether any of the hub's watch goroutines still runs.
func (h *Hub) Watching() bool { return h.watchers.Load() > 0 }

// join registers a follower, whose goroutine the caller starts and which
// must leave exactly once, and starts watching with the first.
func (h *Hub) join() (chan struct{}, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, apperr.New(apperr.Internal, "the server is shutting down: subscribe again to another server")
	}
	w := make(chan struct{}, 1)
	h.wakers[w] = struct{}{}
	h.running.Add(1)
	if h.stopWatch == nil {
		ctx, cancel := context.WithCancel(h.ctx)
		h.stopWatch = cancel
		h.startWatching(ctx)
	}
	return w, nil
}

// leave unregisters a follower and stops watching with the last.
func (h *Hub) leave(w chan struct{}) {
	h.mu.Lock()
	delete(h.wakers, w)
	if len(h.wakers) == 0 && h.stopWatch != nil {
		h.stopWatch()
		h.stopWatch = nil
	}
	h.mu.Unlock()
	h.running.Done()
}

// spawn runs f as a watch goroutine. Callers hold h.mu and h.closed is
// false, so that Close's Wait cannot have started.
func (h *Hub) spawn(f func()) {
	h.watchers.Add(1)
	h.running.Go(func() {
		defer h.watchers.Add(-1)
		f()
	})
}

// advance notes that the feed has grown to seq and wakes every follower
// when that is news. A follower already awake keeps its one pending wake:
// wakes coalesce, the follower reads everything new when it gets to it.
func (h *Hub) advance(seq int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if seq <= h.last {
		return
	}
	h.last = seq
	for w := range h.wakers {
		select {
		case w <- struct{}{}:
		default:
		}
	}
}

// known is the greatest sequence the hub knows committed: every change up
// to it is visible to a read that starts now.
func (h *Hub) known() int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.last
}
