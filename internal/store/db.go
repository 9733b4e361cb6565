// Package store opens civicgraph's database (PostgreSQL or embedded SQLite),
// migrates it, and defines the entities of the domain as bun models with the
// catalog that describes their tables to the rest of the code.
package store

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	_ "modernc.org/sqlite" // registers the pure-Go "sqlite" driver
)

// DefaultURL is the store used when no --database is given: an SQLite file in
// the working directory, so that civicgraph runs with nothing installed.
const DefaultURL = "sqlite:civicgraph.db"

// DB is an open civicgraph store. All SQL goes through its Query and Exec
// methods (or a Tx's), which bind user values as parameters in the dialect's
// placeholder style and count statements so tests can prove batching.
type DB struct {
	Bun *bun.DB
	URL string

	dialect    Dialect
	statements atomic.Int64
	// statementTimeout is PostgreSQL's statement_timeout in milliseconds
	// for connections opened from now on; 0 leaves the server's setting.
	statementTimeout atomic.Int64
	// observer learns of every statement (see SetObserver); nil: none.
	observer atomic.Pointer[StatementObserver]
	// tracer opens a span around every statement (see SetTracer); nil: none.
	tracer atomic.Pointer[StatementTracer]
	// refusingWrites is whether SQLite's disk refuses writes, as the last
	// transaction found (see noteWriteRefusal).
	refusingWrites atomic.Bool
	// replicas serve ReadOnly queries (see OpenReplicas); nil: none.
	replicas                   atomic.Pointer[replicaSet]
	readsPrimary, readsReplica atomic.Int64
}

// pgMaxConns is the size of a PostgreSQL pool, idle connections included.
const pgMaxConns = 16

// Open opens the store named by url: "postgres://..." (or "postgresql://")
// for PostgreSQL, "sqlite:PATH" or "sqlite::memory:" for SQLite, and
// checks that it answers.
func Open(ctx context.Context, url string) (*DB, error) {
	db, err := OpenPool(url)
	if err != nil {
		return nil, err
	}
	if err := db.Ping(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to %s: %w", db.dialect, err)
	}
	return db, nil
}

// OpenPool is Open without connecting: database/sql connects when the
// store is first used. `serve` opens PostgreSQL so, to listen before the
// database answers (see Start). A PostgreSQL connection attempt gives up
// after connect_timeout (2 s unless the URL says otherwise), and its
// failure is UNAVAILABLE (see IsUnavailable).
func OpenPool(url string) (*DB, error) {
	var (
		sqldb   *sql.DB
		dialect Dialect
		err     error
		db      = &DB{URL: url}
	)
	switch {
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		cfg, err := pgx.ParseConfig(url)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		customPlans(cfg)
		nameApplication(cfg)
		failFast(cfg, url)
		sqldb = sql.OpenDB(reachConnector{stdlib.GetConnector(*cfg, stdlib.OptionBeforeConnect(db.pgRuntimeParams))})
		sqldb.SetMaxOpenConns(pgMaxConns)
		sqldb.SetMaxIdleConns(pgMaxConns)
		dialect = Postgres
	case strings.HasPrefix(url, "sqlite:"):
		path := strings.TrimPrefix(url, "sqlite:")
		if path == "" {
			return nil, fmt.Errorf("open sqlite: the URL %q names no file (use sqlite:PATH or sqlite::memory:)", url)
		}
		sqldb, err = sql.Open("sqlite", sqliteDSN(path))
		if err != nil {
			return nil, fmt.Errorf("open sqlite: %w", err)
		}
		if path == ":memory:" {
			// Every connection to :memory: is a new, empty database.
			sqldb.SetMaxOpenConns(1)
		} else {
			sqldb.SetMaxOpenConns(4)
		}
		dialect = SQLite
	default:
		return nil, fmt.Errorf("unknown database URL %q: want postgres://... or sqlite:PATH", url)
	}
	if dialect == Postgres {
		db.Bun = bun.NewDB(sqldb, pgdialect.New())
	} else {
		db.Bun = bun.NewDB(sqldb, sqlitedialect.New())
	}
	db.dialect = dialect
	return db, nil
}

// SetStatementTimeout makes PostgreSQL cancel any statement of this store
// that runs longer than d (its statement_timeout), so that a runaway query
// stops in the database even if the client's cancellation never arrives;
// d <= 0 leaves the server's setting. It applies to connections opened
// after the call, and idle ones are closed so that they reopen with it:
// call it before the store is shared (a server sets it when it starts).
// SQLite has no such setting; there, context cancellation interrupts a
// statement.
func (db *DB) SetStatementTimeout(d time.Duration) {
	if db.dialect != Postgres {
		return
	}
	ms := int64(0)
	if d > 0 {
		ms = max(d.Milliseconds(), 1) // 0 would mean "no limit" to PostgreSQL
	}
	db.statementTimeout.Store(ms)
	db.Bun.DB.SetMaxIdleConns(0)
	db.Bun.DB.SetMaxIdleConns(pgMaxConns)
	db.resetReplicaIdle()
}

// pgRuntimeParams sends the statement timeout in the startup message of a
// new PostgreSQL connection, which costs no extra round trip.
func (db *DB) pgRuntimeParams(_ context.Context, cfg *pgx.ConnConfig) error {
	if ms := db.statementTimeout.Load(); ms > 0 {
		// cfg is a shallow copy shared with no one, but its map is not.
		cfg.RuntimeParams = maps.Clone(cfg.RuntimeParams)
		if cfg.RuntimeParams == nil {
			cfg.RuntimeParams = map[string]string{}
		}
		cfg.RuntimeParams["statement_timeout"] = strconv.FormatInt(ms, 10)
	}
	return nil
}

// customPlans makes PostgreSQL plan every statement for its parameters
// (plan_cache_mode=force_custom_plan, sent in the startup message) unless
// the URL chooses otherwise. pgx prepares each statement once per
// connection, and after five executions PostgreSQL would switch to a
// generic plan made without the parameters' values; on service records,
// whose communities and periods differ by orders of magnitude in size, a
// generic plan can be a hundred times slower: for one community's first 50
// records in six months of 10 million (bench workload (c)) it fetched and
// sorted all 1,798 rows of the window, 20 ms, where the custom plan reads
// 52 rows in index order, 0.4 ms (bench/README.md). Planning each time
// costs a fraction of a millisecond.
func customPlans(cfg *pgx.ConnConfig) {
	if _, set := cfg.RuntimeParams["plan_cache_mode"]; set {
		return
	}
	if cfg.RuntimeParams == nil {
		cfg.RuntimeParams = map[string]string{}
	}
	cfg.RuntimeParams["plan_cache_mode"] = "force_custom_plan"
}

// ApplicationName is the application_name of civicgraph's PostgreSQL
// connections unless the URL sets its own: operators find them in
// pg_stat_activity and the server's log by it.
const ApplicationName = "civicgraph"

// nameApplication sends application_name=ApplicationName in the startup
// message unless the URL chose a name.
func nameApplication(cfg *pgx.ConnConfig) {
	if _, set := cfg.RuntimeParams["application_name"]; set {
		return
	}
	if cfg.RuntimeParams == nil {
		cfg.RuntimeParams = map[string]string{}
	}
	cfg.RuntimeParams["application_name"] = ApplicationName
}

// sqliteDSN turns a path into a modernc DSN with the pragmas civicgraph needs:
// foreign keys on (SQLite's default is off), WAL so readers don't block the
// writer, a busy timeout instead of immediate SQLITE_BUSY errors, and
// IMMEDIATE write transactions so two writers never deadlock on upgrade.
func sqliteDSN(path string) string {
	prefix := "file:"
	if strings.HasPrefix(path, "file:") {
		prefix = ""
	}
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	pragmas := "_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)&_txlock=immediate"
	if path != ":memory:" {
		pragmas += "&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)"
	}
	return prefix + path + sep + pragmas
}

// Close closes the store.
func (db *DB) Close() error {
	db.closeReplicas()
	return db.Bun.Close()
}

// Statements returns how many SQL statements this DB has sent so far.
func (db *DB) Statements() int64 { return db.statements.Load() }

// Querier runs SQL: a *DB, or a *Tx inside a transaction.
type Querier interface {
	Query(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	Exec(ctx context.Context, query string, args ...any) (sql.Result, error)
	Dialect() Dialect
}

// Query runs a query written with ? placeholders: on a replica when ctx
// says a replica may serve it (see ReadOnly), else on the primary.
func (db *DB) Query(ctx context.Context, query string, args ...any) (_ *sql.Rows, err error) {
	ctx, done := db.statement(ctx, StatementQuery, query)
	defer func() { done(err) }()
	return db.query(ctx, db.dialect.Rebind(query), db.dialect.Args(args)...)
}

// Exec runs a statement written with ? placeholders.
func (db *DB) Exec(ctx context.Context, query string, args ...any) (_ sql.Result, err error) {
	ctx, done := db.statement(ctx, StatementExec, query)
	defer func() { done(err) }()
	return db.Bun.DB.ExecContext(ctx, db.dialect.Rebind(query), db.dialect.Args(args)...)
}

// Tx is a transaction on a DB.
type Tx struct {
	db *DB
	tx *sql.Tx
}

// Query runs a query in the transaction.
func (t *Tx) Query(ctx context.Context, query string, args ...any) (_ *sql.Rows, err error) {
	ctx, done := t.db.statement(ctx, StatementQuery, query)
	defer func() { done(err) }()
	return t.tx.QueryContext(ctx, t.db.dialect.Rebind(query), t.db.dialect.Args(args)...)
}

// Exec runs a statement in the transaction.
func (t *Tx) Exec(ctx context.Context, query string, args ...any) (_ sql.Result, err error) {
	ctx, done := t.db.statement(ctx, StatementExec, query)
	defer func() { done(err) }()
	return t.tx.ExecContext(ctx, t.db.dialect.Rebind(query), t.db.dialect.Args(args)...)
}

// Dialect returns the dialect of the transaction's store.
func (t *Tx) Dialect() Dialect { return t.db.dialect }

// Dialect returns the store's dialect.
func (db *DB) Dialect() Dialect { return db.dialect }

// InTx runs fn in one transaction: committed when fn returns nil, rolled back
// (changing nothing) when it returns an error or panics.
//
// On SQLite, a transaction that the disk refused (full, read-only) fails
// with UNAVAILABLE (see noteWriteRefusal).
func (db *DB) InTx(ctx context.Context, fn func(*Tx) error) (err error) {
	defer func() { err = db.noteWriteRefusal(err) }() // last: after the rollback
	sqltx, err := db.Bun.DB.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = sqltx.Rollback()
			panic(p)
		}
		if err != nil {
			_ = sqltx.Rollback()
		}
	}()
	if err = fn(&Tx{db: db, tx: sqltx}); err != nil {
		return err
	}
	if err = sqltx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}
