package store

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/civicgraph/civicgraph/migrations"
	"github.com/uptrace/bun/migrate"
)

// Migrate brings the store's schema to version to (0: the newest). It never
// goes down: asking for a version older than the store's is an error.
func (db *DB) Migrate(ctx context.Context, to int64) (applied []string, err error) {
	all, err := db.knownMigrations()
	if err != nil {
		return nil, err
	}
	defer func() {
		if err == nil {
			db.ensureComingPartitions(ctx)
		}
	}()
	set := all
	if to > 0 {
		set = migrate.NewMigrations()
		found := false
		for _, m := range all.Sorted() {
			v, _ := strconv.ParseInt(m.Name, 10, 64)
			if v <= to {
				set.Add(m)
			}
			found = found || v == to
		}
		if !found {
			return nil, fmt.Errorf("no migration has version %d", to)
		}
	}
	m := migrate.NewMigrator(db.Bun, set, migrate.WithMarkAppliedOnSuccess(true))
	if err := m.Init(ctx); err != nil {
		return nil, fmt.Errorf("init migrations: %w", err)
	}
	if to == 0 {
		// Nothing to apply, nothing to lock: the lock is a write, which
		// an SQLite store on a read-only disk cannot take, and it can
		// still serve reads (see noteWriteRefusal).
		status, err := m.MigrationsWithStatus(ctx)
		if err != nil {
			return nil, fmt.Errorf("read applied migrations: %w", err)
		}
		if len(status.Unapplied()) == 0 {
			return nil, nil
		}
	}
	if err := m.Lock(ctx); err != nil {
		return nil, fmt.Errorf("lock migrations: %w", db.noteWriteRefusal(err))
	}
	defer m.Unlock(ctx) //nolint:errcheck
	if to > 0 {
		done, err := m.AppliedMigrations(ctx)
		if err != nil {
			return nil, fmt.Errorf("read applied migrations: %w", err)
		}
		for _, a := range done {
			if v, _ := strconv.ParseInt(a.Name, 10, 64); v > to {
				return nil, fmt.Errorf("the store is at version %s, newer than %d: civicgraph does not migrate down", a.Name, to)
			}
		}
	}
	group, err := m.Migrate(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	for _, mg := range group.Migrations {
		applied = append(applied, mg.Name+"_"+mg.Comment)
	}
	return applied, nil
}

// ensureComingPartitions creates the coming months' partitions
// (PostgreSQL) once the store is migrated, whether or not this run
// applied anything. Not fatal: writers create the months they write, and
// a server retries daily (keepPartitions).
func (db *DB) ensureComingPartitions(ctx context.Context) {
	if err := EnsureCurrentPartitions(ctx, db, time.Now()); err != nil && ctx.Err() == nil {
		slog.Warn("could not create the coming months' partitions after migrating", "err", err)
	}
}

// Version returns the newest applied migration version, 0 for an empty store.
func (db *DB) Version(ctx context.Context) (string, error) {
	rows, err := db.Query(ctx, "SELECT name FROM bun_migrations ORDER BY name DESC LIMIT 1")
	if err != nil {
		if strings.Contains(err.Error(), "bun_migrations") {
			return "0", nil
		}
		return "", err
	}
	defer rows.Close()
	v := "0"
	if rows.Next() {
		if err := rows.Scan(&v); err != nil {
			return "", err
		}
	}
	return v, rows.Err()
}

// knownMigrations are the migrations embedded for the store's dialect.
func (db *DB) knownMigrations() (*migrate.Migrations, error) {
	var files fs.FS = migrations.Postgres
	dir := "postgres"
	if db.dialect == SQLite {
		files, dir = migrations.SQLite, "sqlite"
	}
	sub, err := fs.Sub(files, dir)
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	all := migrate.NewMigrations()
	if err := all.Discover(sub); err != nil {
		return nil, fmt.Errorf("discover migrations: %w", err)
	}
	return all, nil
}
