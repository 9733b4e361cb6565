package store

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// On PostgreSQL, service_records, changes and audit_log are range-partitioned
// by month (migration 0007, which explains the design): one partition per
// UTC month, named <table>_yYYYYmMM. Partition bounds are UTC months; a
// period in local time (an Asia/Shanghai month) overlaps at most one more
// partition than a UTC one, so a time-filtered query still prunes to a
// month or two. There is no DEFAULT partition, so a row can only be written
// once its month exists: the migration creates the months of the stored
// rows, EnsurePartitions the coming months (after migrating, then daily
// while serving), and the writers call EnsureMonths for the months of what
// they are about to write (an import of 2015's records). A process-wide
// cache of the months known to exist keeps that last call free on the hot
// path: a map look-up per distinct month of a batch.

// PartitionedTables are the tables partitioned by month on PostgreSQL and
// the column each is partitioned by.
var PartitionedTables = map[string]string{
	"service_records": "occurred_at",
	"changes":         "at",
	"audit_log":       "at",
}

// Months before and after now that EnsurePartitions keeps created: last
// month (a late write), this month and the next three, so a server that
// misses a few daily runs still never writes a month that is missing.
const (
	partitionMonthsBack  = 1
	partitionMonthsAhead = 3
)

// partitionLockTimeout bounds how long EnsurePartitions waits for the locks
// creating a month takes (the parent's SHARE UPDATE EXCLUSIVE, and SHARE ROW
// EXCLUSIVE on the tables service_records' foreign keys point to, which a
// long import holds): rather than queue for minutes, and hold every writer
// of communities behind it in the lock queue, it gives up and is retried.
const partitionLockTimeout = "5s"

// PartitionName is the name of the partition of table holding the UTC month
// of t.
func PartitionName(table string, t time.Time) string {
	t = t.UTC()
	return fmt.Sprintf("%s_y%04dm%02d", table, t.Year(), int(t.Month()))
}

// monthOf is the first instant of t's UTC month.
func monthOf(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// knownPartitions caches, per store, the names of the partitions known to
// exist (committed: a partition created inside a transaction that may
// still roll back is not cached). Partitions are never dropped by
// civicgraph, so an entry never goes stale.
var knownPartitions sync.Map // *DB → *partitionSet

type partitionSet struct {
	mu    sync.Mutex
	names map[string]bool
}

func partitionsOf(db *DB) *partitionSet {
	if s, ok := knownPartitions.Load(db); ok {
		return s.(*partitionSet)
	}
	s, _ := knownPartitions.LoadOrStore(db, &partitionSet{names: map[string]bool{}})
	return s.(*partitionSet)
}

func (s *partitionSet) has(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.names[name]
}

func (s *partitionSet) add(names ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, n := range names {
		s.names[n] = true
	}
}

// refresh reads the committed partitions of the partitioned tables into s,
// through db's pool: it takes no lock, so a transaction of the caller's may
// be open.
func (s *partitionSet) refresh(ctx context.Context, db *DB) error {
	rows, err := db.Query(ctx, `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
WHERE i.inhparent IN (to_regclass('service_records'), to_regclass('changes'), to_regclass('audit_log'))`)
	if err != nil {
		return fmt.Errorf("list partitions: %w", err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return fmt.Errorf("list partitions: %w", err)
		}
		names = append(names, n)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("list partitions: %w", err)
	}
	s.add(names...)
	return nil
}

// partitioned says whether the store's schema has the partitioned tables
// (migration 0007 applied): a store migrated to an older version (migrate
// --to) has none to create.
func partitioned(ctx context.Context, q Querier) (bool, error) {
	rows, err := q.Query(ctx, "SELECT to_regproc('civicgraph_month_partition') IS NOT NULL")
	if err != nil {
		return false, fmt.Errorf("look for partitioning: %w", err)
	}
	defer rows.Close()
	ok := false
	for rows.Next() {
		if err := rows.Scan(&ok); err != nil {
			return false, err
		}
	}
	return ok, rows.Err()
}

// EnsurePartitions creates the missing monthly partitions of the three
// partitioned tables for every UTC month from from's to to's, each in a
// transaction of its own. It is idempotent and safe when processes race
// (the database function it calls serializes creators and lets the second
// find the month). It does nothing on SQLite, or on a store whose schema
// predates partitioning. It must not be called while the caller holds a
// transaction that wrote to these tables or to those service records refer
// to: creating a partition waits for such locks (see EnsureMonths for
// writers).
func EnsurePartitions(ctx context.Context, db *DB, from, to time.Time) error {
	if db.dialect != Postgres {
		return nil
	}
	if ok, err := partitioned(ctx, db); err != nil || !ok {
		return err
	}
	set := partitionsOf(db)
	if err := set.refresh(ctx, db); err != nil {
		return err
	}
	for m := monthOf(from); !m.After(monthOf(to)); m = m.AddDate(0, 1, 0) {
		for table := range PartitionedTables {
			name := PartitionName(table, m)
			if set.has(name) {
				continue
			}
			err := db.InTx(ctx, func(tx *Tx) error {
				if _, err := tx.Exec(ctx, "SET LOCAL lock_timeout = '"+partitionLockTimeout+"'"); err != nil {
					return err
				}
				return createMonth(ctx, tx, table, m)
			})
			if err != nil {
				return err
			}
			set.add(name)
		}
	}
	return nil
}

// EnsureCurrentPartitions is EnsurePartitions for the months around now:
// from partitionMonthsBack before to partitionMonthsAhead after.
func EnsureCurrentPartitions(ctx context.Context, db *DB, now time.Time) error {
	m := monthOf(now)
	return EnsurePartitions(ctx, db, m.AddDate(0, -partitionMonthsBack, 0), m.AddDate(0, partitionMonthsAhead, 0))
}

// createMonth creates table's partition of month m through q, unless it
// exists.
func createMonth(ctx context.Context, q Querier, table string, m time.Time) error {
	if _, err := q.Exec(ctx, "SELECT civicgraph_month_partition(?, CAST(? AS date))", table, m.Format("2006-01-02")); err != nil {
		return fmt.Errorf("create partition %s: %w", PartitionName(table, m), err)
	}
	return nil
}

// EnsureMonths makes sure table has the partitions of the UTC months of at,
// for a writer about to write rows of those instants through q — a
// transaction, typically, that already wrote. Months known to exist cost a
// map look-up; for others it rereads the list of committed partitions and
// creates what is still missing inside q, so that it can never wait for a
// lock q itself holds. A month created so becomes visible to others when q
// commits; until then it holds the parent's SHARE UPDATE EXCLUSIVE lock
// (readers and writers go on; another process creating a month waits) and,
// for service_records, SHARE ROW EXCLUSIVE on the tables its foreign keys
// refer to (their writers wait for q). Nothing on SQLite, nor for a table
// that is not partitioned.
func EnsureMonths(ctx context.Context, q Querier, table string, at ...time.Time) error {
	if q.Dialect() != Postgres || len(at) == 0 {
		return nil
	}
	if _, ok := PartitionedTables[table]; !ok {
		return fmt.Errorf("ensure partitions: %s is not partitioned", table)
	}
	var db *DB
	switch v := q.(type) {
	case *DB:
		db = v
	case *Tx:
		db = v.db
	default:
		return fmt.Errorf("ensure partitions: unknown querier %T", q)
	}
	set := partitionsOf(db)
	var missing []time.Time
	seen := map[string]bool{}
	for _, t := range at {
		name := PartitionName(table, t)
		if !set.has(name) && !seen[name] {
			seen[name] = true
			missing = append(missing, monthOf(t))
		}
	}
	if len(missing) == 0 {
		return nil
	}
	if ok, err := partitioned(ctx, q); err != nil || !ok {
		return err
	}
	if err := set.refresh(ctx, db); err != nil {
		return err
	}
	for _, m := range missing {
		if set.has(PartitionName(table, m)) {
			continue
		}
		if err := createMonth(ctx, q, table, m); err != nil {
			return err
		}
		if q == Querier(db) {
			set.add(PartitionName(table, m)) // committed already
		}
	}
	return nil
}

// partitionInterval is how often a server makes sure the coming months
// exist; partitionRetry how soon it tries again after a failure.
const (
	partitionInterval = 24 * time.Hour
	partitionRetry    = time.Minute
)

// keepPartitions creates the coming months now and then, until ctx ends:
// a minute after start-up (migrating just made them; this is for when it
// could not), then once a day, or a minute after a failure (a long import
// holding the locks, the database down for a while).
func keepPartitions(ctx context.Context, db *DB) {
	wait := partitionRetry
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = partitionInterval
		if err := EnsureCurrentPartitions(ctx, db, time.Now()); err != nil && ctx.Err() == nil {
			slog.Warn("could not create the coming months' partitions; retrying", "err", err, "retry_in", partitionRetry.String())
			wait = partitionRetry
		}
	}
}
