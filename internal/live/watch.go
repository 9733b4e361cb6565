package live

import (
	"context"
	"database/sql/driver"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/civicgraph/civicgraph/internal/changes"
	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// The delays between attempts after a failure: short at first (a
// connection dropped by a proxy comes back at once), long enough later not
// to hammer a database that is down.
const (
	minBackoff = 100 * time.Millisecond
	maxBackoff = 10 * time.Second
)

// startWatching starts the goroutines that learn of commits, until ctx
// ends: a poll everywhere, and on PostgreSQL a listener. Callers hold h.mu.
func (h *Hub) startWatching(ctx context.Context) {
	every := h.opts.Poll
	if h.db.Dialect() == store.Postgres {
		every = h.opts.SafetyPoll
		h.spawn(func() { h.listen(ctx) })
	}
	h.spawn(func() { h.pollEvery(ctx, every) })
}

// pollEvery reads the feed's last sequence now and then every interval. A
// failing database is logged when it starts failing and when it recovers,
// not on every tick.
func (h *Hub) pollEvery(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	failing := false
	for {
		err := h.poll(ctx)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil && !failing:
			slog.WarnContext(ctx, "live updates: cannot read the change feed; retrying", "err", err.Error())
		case err == nil && failing:
			slog.InfoContext(ctx, "live updates: the change feed reads again")
		}
		failing = err != nil
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// poll reads the feed's last sequence and wakes followers when it grew.
func (h *Hub) poll(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, h.opts.ReadTimeout)
	defer cancel()
	last, err := changes.Last(ctx, h.db)
	if err != nil {
		return err
	}
	h.advance(last)
	return nil
}

// listen keeps a PostgreSQL connection LISTENing on changes.Notify until
// ctx ends, replacing it, after a growing delay, whenever it fails.
func (h *Hub) listen(ctx context.Context) {
	backoff := minBackoff
	for {
		err := h.listenOnce(ctx, func() {
			backoff = minBackoff
			// Commits made before the LISTEN took effect notified no one
			// here; the feed tells what they were.
			_ = h.poll(ctx)
		})
		if ctx.Err() != nil {
			return
		}
		slog.WarnContext(ctx, "live updates: listening for commits failed; reconnecting", "err", err.Error(), "retry_in", backoff.String())
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

// listenOnce takes a connection from the store's pool for as long as it
// works (or ctx lasts), LISTENs on it, calls listening, and advances the
// hub with each notification's sequence. The connection never goes back to
// the pool: it would still be listening, or be broken by the cancelled
// wait, so it is reported bad and discarded.
func (h *Hub) listenOnce(ctx context.Context, listening func()) error {
	conn, err := h.db.Bun.DB.Conn(ctx)
	if err != nil {
		return fmt.Errorf("take a connection: %w", err)
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return discard{fmt.Errorf("the PostgreSQL driver is %T, not pgx's", dc)}
		}
		pc := sc.Conn()
		if _, err := pc.Exec(ctx, "LISTEN "+pgx.Identifier{changes.Notify}.Sanitize()); err != nil {
			return discard{fmt.Errorf("listen: %w", err)}
		}
		listening()
		for {
			n, err := pc.WaitForNotification(ctx)
			if err != nil {
				return discard{fmt.Errorf("wait for a notification: %w", err)}
			}
			if n == nil || n.Channel != changes.Notify {
				continue
			}
			seq, err := strconv.ParseInt(n.Payload, 10, 64)
			if err != nil {
				// Not ours to interpret: ask the feed instead.
				_ = h.poll(ctx)
				continue
			}
			h.advance(seq)
		}
	})
	return err
}

// discard is a failure that ends a connection: database/sql closes a
// connection whose Raw function reports driver.ErrBadConn instead of
// returning it to the pool.
type discard struct{ error }

func (d discard) Unwrap() error      { return d.error }
func (discard) Is(target error) bool { return target == driver.ErrBadConn }
