package store

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/uptrace/bun/migrate"
)

// This file brings a store into service when its database may not answer
// yet: `serve` listens at once and answers UNAVAILABLE until Start has
// connected, migrated and prepared (the database may come up after the
// server, as it often does when both start together).

// The waits between attempts to connect double from startMinBackoff up to
// startMaxBackoff: quick when the database is about to answer, and one
// attempt (and log line at most) every two seconds when it is down.
const (
	startMinBackoff = 100 * time.Millisecond
	startMaxBackoff = 2 * time.Second
)

// Startup is a store being brought into service by Start.
type Startup struct {
	ready atomic.Bool
	done  chan struct{}

	mu  sync.Mutex
	err error // the latest failure; nil once ready
}

// Start returns at once and, in the background, connects to db, then
// migrates it to the newest schema, then runs prepare (what must happen
// after the migrations and before anyone is served; nil: nothing), then
// marks the store ready. A failure that means the database cannot be
// reached (IsUnavailable: every failed PostgreSQL connection attempt, a
// shutdown in the middle of the migrations) is retried from the start,
// after a wait that grows from 100 ms to 2 s. Any other failure ends the
// startup: a migration that does not apply, SQLite's file that cannot be
// opened (SQLite needs no waiting, so it fails at once, as Open would).
// So does the end of ctx. Done is closed when the startup is over, either
// way.
func Start(ctx context.Context, db *DB, prepare func(context.Context) error) *Startup {
	s := &Startup{done: make(chan struct{})}
	go s.run(ctx, db, prepare)
	return s
}

func (s *Startup) run(ctx context.Context, db *DB, prepare func(context.Context) error) {
	defer close(s.done)
	began := time.Now()
	backoff := startMinBackoff
	var logged string
	for attempt := 1; ; attempt++ {
		err := s.once(ctx, db, prepare)
		s.mu.Lock()
		s.err = err
		s.mu.Unlock()
		if err == nil {
			s.ready.Store(true)
			if db.dialect == Postgres {
				go keepPartitions(ctx, db) // migrating made the coming months
			}
			if attempt > 1 {
				slog.Info("the database answers: serving", "attempts", attempt, "waited", time.Since(began).Round(time.Millisecond).String())
			}
			return
		}
		if ctx.Err() != nil || !IsUnavailable(err) {
			return
		}
		// Once per distinct failure: a database that stays down does
		// not fill the log.
		if msg := err.Error(); msg != logged {
			logged = msg
			slog.Warn("the database does not answer yet; GraphQL requests get UNAVAILABLE until it does", "err", msg, "retry_in", backoff.String())
		}
		select {
		case <-ctx.Done():
			s.mu.Lock()
			s.err = ctx.Err()
			s.mu.Unlock()
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, startMaxBackoff)
	}
}

// once is one attempt at the whole startup.
func (s *Startup) once(ctx context.Context, db *DB, prepare func(context.Context) error) error {
	if err := db.Ping(ctx); err != nil {
		return fmt.Errorf("connect to %s: %w", db.dialect, err)
	}
	if _, err := db.Migrate(ctx, 0); err != nil {
		return err
	}
	if prepare != nil {
		return prepare(ctx)
	}
	return nil
}

// Ready reports whether the startup has succeeded. It never turns false
// again: an outage later is seen by the requests it fails.
func (s *Startup) Ready() bool { return s.ready.Load() }

// Done is closed when the startup is over: ready, failed or stopped.
func (s *Startup) Done() <-chan struct{} { return s.done }

// Err returns the latest failure: while the startup goes on, what the last
// attempt met; once it is over and not ready, what ended it; nil once
// ready.
func (s *Startup) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Wait waits until the startup is over and returns nil if it succeeded,
// else the failure that ended it (or ctx's error, if ctx ends first).
func (s *Startup) Wait(ctx context.Context) error {
	select {
	case <-s.done:
	case <-ctx.Done():
		return ctx.Err()
	}
	if s.Ready() {
		return nil
	}
	return s.Err()
}

// Ping checks that the database answers, connecting if need be.
func (db *DB) Ping(ctx context.Context) error { return db.Bun.DB.PingContext(ctx) }

// MigrationStatus counts the migrations that civicgraph knows (those
// embedded in the binary for the store's dialect, see KnownMigrations) and
// how many of them the store has applied. The store is current when the
// two are equal.
func (db *DB) MigrationStatus(ctx context.Context) (applied, known int, err error) {
	all, err := db.knownMigrations()
	if err != nil {
		return 0, 0, err
	}
	known = len(all.Sorted())
	status, err := migrate.NewMigrator(db.Bun, all).MigrationsWithStatus(ctx)
	if err != nil {
		return 0, known, fmt.Errorf("read applied migrations: %w", err)
	}
	return len(status.Applied()), known, nil
}

// KnownMigrations counts the migrations embedded in the binary for the
// store's dialect, without asking the database.
func (db *DB) KnownMigrations() (int, error) {
	all, err := db.knownMigrations()
	if err != nil {
		return 0, err
	}
	return len(all.Sorted()), nil
}
