package storetest

import (
	"context"
	"testing"

	"github.com/civicgraph/civicgraph/internal/store"
)

// Indexes is the SQL of the indexes of table that were made with CREATE
// INDEX, sorted by name and joined with ';' (empty when there are none),
// read through q so that a transaction sees its own changes. On PostgreSQL
// unique indexes count only if withUnique (SQLite keeps its unique
// constraints' indexes out of sight either way).
func Indexes(t testing.TB, q store.Querier, table string, withUnique bool) string {
	t.Helper()
	stmt := "SELECT COALESCE(group_concat(sql, ';'), '') FROM (SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL ORDER BY name) x"
	if q.Dialect() == store.Postgres {
		stmt = "SELECT COALESCE(string_agg(indexdef, ';' ORDER BY indexname), '') FROM pg_indexes WHERE tablename = ?"
		if !withUnique {
			stmt += " AND indexdef NOT LIKE 'CREATE UNIQUE%'"
		}
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
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return s
}
