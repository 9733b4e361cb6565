package store

import (
	"context"
	"fmt"
	"strings"
)

// A table filled with many rows at once takes them faster without its
// secondary indexes, each built once at the end from all the rows, than
// with them, each updated row by row: on SQLite a million service records
// with a dozen indexes are written in about half the time. SQLite's DDL is
// transactional and its readers keep the snapshot, schema included, they
// started with, so a writer may drop such indexes inside its transaction
// and create them again before it commits: no reader ever sees the table
// without them. On PostgreSQL, dropping an index locks every reader out of
// the table until the transaction ends, so there nothing is dropped.

// DeferIndexes drops, on SQLite and inside the transaction q, the indexes
// of table that were made with CREATE INDEX and enforce nothing (not those
// of a primary key or a UNIQUE constraint, nor unique indexes), and returns
// what creates them again, from their own SQL; the caller must call it
// before the transaction commits. Statements that read the table by those
// columns meanwhile are correct but slow. On PostgreSQL it does nothing and
// returns a no-op.
func DeferIndexes(ctx context.Context, q Querier, table string) (rebuild func(context.Context) error, err error) {
	if q.Dialect() != SQLite {
		return func(context.Context) error { return nil }, nil
	}
	rows, err := q.Query(ctx, `SELECT m.name, m.sql FROM sqlite_master m JOIN pragma_index_list(?) l ON l.name = m.name
WHERE m.type = 'index' AND m.sql IS NOT NULL AND l.origin = 'c' AND l."unique" = 0 ORDER BY m.name`, table)
	if err != nil {
		return nil, fmt.Errorf("read the indexes of %s: %w", table, err)
	}
	var names, stmts []string
	for rows.Next() {
		var name, stmt string
		if err := rows.Scan(&name, &stmt); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read the indexes of %s: %w", table, err)
		}
		names, stmts = append(names, name), append(stmts, stmt)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read the indexes of %s: %w", table, err)
	}
	for _, name := range names {
		if _, err := q.Exec(ctx, `DROP INDEX "`+strings.ReplaceAll(name, `"`, `""`)+`"`); err != nil {
			return nil, fmt.Errorf("drop index %s: %w", name, err)
		}
	}
	return func(ctx context.Context) error {
		for i, stmt := range stmts {
			if _, err := q.Exec(ctx, stmt); err != nil {
				return fmt.Errorf("create index %s: %w", names[i], err)
			}
		}
		return nil
	}, nil
}
