package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/civicgraph/civicgraph/internal/storetest"
)

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
		if err := store.EnsurePartitions(ctx, db, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil {
			t.Fatal(err)
		}
		before := storetest.Indexes(t, db, "service_records", false)
		if before == "" {
			t.Fatal("service_records has no secondary index")
		}
		for _, commit := range []bool{true, false} {
			err := db.InTx(ctx, func(tx *store.Tx) error {
				rebuild, err := store.DeferIndexes(ctx, tx, "service_records")
				if err != nil {
					return err
				}
				during := storetest.Indexes(t, tx, "service_records", false)
				if want := map[store.Dialect]string{store.SQLite: "", store.Postgres: before}[db.Dialect()]; during != want {
					t.Errorf("in the transaction, indexes %q, want %q", during, want)
				}
				// The code stays unique while the indexes are away.
				insert := "INSERT INTO service_records (code, community_id, occurred_at) SELECT 'X', id, ? FROM communities WHERE true ON CONFLICT (code) DO NOTHING"
				if db.Dialect() == store.Postgres {
					// Partitioned (migration 0007): the key table, not an
					// index of service_records, keeps the code unique, and
					// refuses a second row of it.
					insert = "INSERT INTO service_records (code, community_id, occurred_at) SELECT 'X', id, ? FROM communities WHERE NOT EXISTS (SELECT 1 FROM service_record_codes WHERE code = 'X')"
				}
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
			if after := storetest.Indexes(t, db, "service_records", false); after != before {
				t.Errorf("after the transaction (commit %v), indexes\n%s\nwant\n%s", commit, after, before)
			}
		}
	})
}

var errRollback = errors.New("roll back")
