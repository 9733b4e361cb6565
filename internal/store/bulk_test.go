package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/civicgraph/civicgraph/internal/storetest"
)

// indexes lists the SQL of the secondary indexes of table, by name.
func indexes(t *testing.T, q store.Querier, table string) string {
	t.Helper()
	stmt := "SELECT COALESCE(group_concat(sql, ';'), '') FROM (SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL ORDER BY name) x"
	if q.Dialect() == store.Postgres {
		stmt = "SELECT COALESCE(string_agg(indexdef, ';' ORDER BY indexname), '') FROM pg_indexes WHERE tablename = ? AND indexdef NOT LIKE 'CREATE UNIQUE%'"
	}
	rows, err := q.Query(context.Background(), stmt, table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var s string
	for rows.Next() {
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// DeferIndexes drops the secondary indexes of a table inside the
// transaction, on SQLite only, keeps those that enforce something (the
// code's UNIQUE constraint), and builds them again exactly; a rollback
// brings them back too.
func TestDeferIndexes(t *testing.T) {
	ctx := context.Background()
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		for _, stmt := range []string{
			"INSERT INTO regions (code, name, level) VALUES ('R', 'r', 'CITY')",
			"INSERT INTO communities (code, name, kind, region_id) SELECT 'C', 'c', 'URBAN', id FROM regions",
		} {
			if _, err := db.Exec(ctx, stmt); err != nil {
				t.Fatal(err)
			}
		}
		before := indexes(t, db, "service_records")
		if before == "" {
			t.Fatal("service_records has no secondary index")
		}
		for _, commit := range []bool{true, false} {
			err := db.InTx(ctx, func(tx *store.Tx) error {
				rebuild, err := store.DeferIndexes(ctx, tx, "service_records")
				if err != nil {
					return err
				}
				during := indexes(t, tx, "service_records")
				if want := map[store.Dialect]string{store.SQLite: "", store.Postgres: before}[db.Dialect()]; during != want {
					t.Errorf("in the transaction, indexes %q, want %q", during, want)
				}
				// The code stays unique while the indexes are away.
				insert := "INSERT INTO service_records (code, community_id, occurred_at) SELECT 'X', id, ? FROM communities WHERE true ON CONFLICT (code) DO NOTHING"
				for range 2 {
					if _, err := tx.Exec(ctx, insert, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil {
						return err
					}
				}
				rows, err := tx.Query(ctx, "SELECT COUNT(*) FROM service_records")
				if err != nil {
					return err
				}
				n := 0
				for rows.Next() {
					err = rows.Scan(&n)
				}
				rows.Close()
				if err != nil || n != 1 {
					t.Errorf("%d rows of one code (%v)", n, err)
				}
				if !commit {
					return errRollback
				}
				return rebuild(ctx)
			})
			if err != nil && !errors.Is(err, errRollback) {
				t.Fatal(err)
			}
			if after := indexes(t, db, "service_records"); after != before {
				t.Errorf("after the transaction (commit %v), indexes\n%s\nwant\n%s", commit, after, before)
			}
		}
	})
}

var errRollback = errors.New("roll back")
