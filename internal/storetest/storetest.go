// Package storetest gives tests real, empty, migrated stores: an SQLite file
// and a PostgreSQL database of their own, so that every test runs the same
// code against both backends. PostgreSQL comes from
// CIVICGRAPH_TEST_POSTGRES_URL (scripts/test.sh sets it up); without it the
// tests fail, they never skip.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/civicgraph/civicgraph/internal/store"
)

// EnvPostgres names the variable holding an admin URL of a PostgreSQL server
// where tests may create and drop databases.
const EnvPostgres = "CIVICGRAPH_TEST_POSTGRES_URL"

// Backends are the dialects every store test runs on.
var Backends = []store.Dialect{store.SQLite, store.Postgres}

// ForEach runs fn as a subtest on a fresh store of each backend.
func ForEach(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	for _, d := range Backends {
		t.Run(d.String(), func(t *testing.T) {
			fn(t, Open(t, d))
		})
	}
}

// Open returns a new, empty, migrated store of the dialect, removed when the
// test ends.
func Open(t testing.TB, d store.Dialect) *store.DB {
	t.Helper()
	ctx := context.Background()
	var u string
	if d == store.SQLite {
		u = "sqlite:" + filepath.Join(t.TempDir(), "test.db")
	} else {
		u = NewPostgresDatabase(t)
	}
	db, err := store.Open(ctx, u)
	if err != nil {
		t.Fatalf("open %s: %v", d, err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx, 0); err != nil {
		t.Fatalf("migrate %s: %v", d, err)
	}
	return db
}

// NewPostgresDatabase creates an empty database on the test server and
// returns its URL; the database is dropped when the test ends.
func NewPostgresDatabase(t testing.TB) string {
	t.Helper()
	admin := os.Getenv(EnvPostgres)
	if admin == "" {
		t.Fatalf("%s is not set: run the tests with ./scripts/test.sh, which finds or starts a PostgreSQL server", EnvPostgres)
	}
	ctx := context.Background()
	adb, err := store.Open(ctx, admin)
	if err != nil {
		t.Fatalf("connect to the test PostgreSQL server (%s): %v", EnvPostgres, err)
	}
	defer adb.Close()
	buf := make([]byte, 6)
	_, _ = rand.Read(buf)
	name := "civicgraph_test_" + hex.EncodeToString(buf)
	if _, err := adb.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		adb, err := store.Open(context.Background(), admin)
		if err != nil {
			t.Errorf("drop test database %s: %v", name, err)
			return
		}
		defer adb.Close()
		if _, err := adb.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop test database %s: %v", name, err)
		}
	})
	pu, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("parse %s: %v", EnvPostgres, err)
	}
	pu.Path = "/" + name
	return pu.String()
}

// QueryInt runs a query whose answer is one integer (a count, say) and
// returns it, failing the test on any error.
func QueryInt(t testing.TB, db *store.DB, q string, args ...any) int {
	t.Helper()
	rows, err := db.Query(context.Background(), q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var n int
	if rows.Next() {
		if err := rows.Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}
