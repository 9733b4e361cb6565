package live

import (
	"context"
	"log/slog"
	"slices"
	"time"

	"github.com/civicgraph/civicgraph/internal/apperr"
	"github.com/civicgraph/civicgraph/internal/auth"
	"github.com/civicgraph/civicgraph/internal/changes"
	"github.com/civicgraph/civicgraph/internal/feed"
	"github.com/civicgraph/civicgraph/internal/store"
)

// Load turns a page of changes into the values a subscription sends, in
// order. It may drop changes (a row archived or hidden by now) and may
// fail: the follower then reads the same page again later, so a passing
// outage loses nothing. ctx carries the subscriber's values (its
// principal) and the read deadline.
type Load[T any] func(ctx context.Context, page []*store.Change) ([]T, error)

// Follow sends on the returned channel, one by one and in sequence order,
// the values load makes of the changes that f selects, that who may see
// (feed.Read's scoping, the same as the `changes` query's) and that commit
// after the call. It stops and closes the channel when ctx ends or the hub
// closes. f.After and f.Limit are ignored: the follower's cursor is its own
// and starts at the feed's last sequence.
//
// It fails at once, with nothing started, for an unknown type in f.Types,
// a closed hub or a store that cannot be read.
func Follow[T any](ctx context.Context, h *Hub, who *auth.Principal, f feed.Filter, load Load[T]) (<-chan T, error) {
	for _, typ := range f.Types {
		if !slices.Contains(changes.Order, typ) {
			return nil, apperr.Invalid("unknown entity type %q", typ)
		}
	}
	// Registered before the start is read: a commit after that read wakes
	// this follower, one before it is behind its cursor already.
	w, err := h.join()
	if err != nil {
		return nil, err
	}
	rctx, cancel := context.WithTimeout(ctx, h.opts.ReadTimeout)
	start, err := changes.Last(rctx, h.db)
	cancel()
	if err != nil {
		h.leave(w)
		return nil, err
	}
	f.After, f.Limit = start, feed.MaxPage
	fl := &follower[T]{hub: h, who: who, f: f, load: load, wake: w, out: make(chan T)}
	h.following.Add(1)
	go fl.run(h.Bind(ctx))
	return fl.out, nil
}

// follower is one subscription's reader of the feed.
type follower[T any] struct {
	hub  *Hub
	who  *auth.Principal
	f    feed.Filter // f.After is the cursor: everything up to it is sent
	load Load[T]
	wake chan struct{}
	out  chan T
}

// run reads and sends what is new at each wake until ctx ends. A failed
// read is tried again, after a growing delay, from the same cursor.
func (fl *follower[T]) run(ctx context.Context) {
	defer fl.hub.leave(fl.wake)
	defer close(fl.out)
	defer fl.hub.following.Add(-1)
	for {
		select {
		case <-ctx.Done():
			return
		case <-fl.wake:
		}
		for backoff := minBackoff; ; backoff = min(2*backoff, maxBackoff) {
			err := fl.catchUp(ctx)
			if err == nil {
				break
			}
			if ctx.Err() != nil {
				return
			}
			slog.WarnContext(ctx, "live updates: a subscriber's read failed; retrying", "err", err.Error(), "retry_in", backoff.String())
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff):
			}
		}
	}
}

// catchUp sends everything after the cursor, page by page. When the feed
// holds nothing more for this subscriber, the cursor moves on to what the
// hub knew committed before the first read: the changes up to there that
// this subscriber may not see are never read again, so a narrowly scoped
// subscriber's reads stay short however much the feed grows elsewhere.
func (fl *follower[T]) catchUp(ctx context.Context) error {
	upto := fl.hub.known()
	for {
		page, more, values, err := fl.read(ctx)
		if err != nil {
			return err
		}
		for _, v := range values {
			select {
			case fl.out <- v:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		if len(page) > 0 {
			fl.f.After = page[len(page)-1].Sequence
		}
		if !more {
			fl.f.After = max(fl.f.After, upto)
			return nil
		}
	}
}

// read reads the next page and loads it, under one read deadline.
func (fl *follower[T]) read(ctx context.Context) ([]*store.Change, bool, []T, error) {
	ctx, cancel := context.WithTimeout(ctx, fl.hub.opts.ReadTimeout)
	defer cancel()
	page, more, err := feed.Read(ctx, fl.hub.db, fl.who, fl.f)
	if err != nil || len(page) == 0 {
		return page, more, nil, err
	}
	values, err := fl.load(ctx, page)
	if err != nil {
		return nil, false, nil, err
	}
	return page, more, values, nil
}
