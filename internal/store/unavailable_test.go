package store_test

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/civicgraph/civicgraph/internal/apperr"
	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/civicgraph/civicgraph/internal/storetest"
)

// nowhere is a PostgreSQL URL on a loopback port that nothing listens on.
func nowhere(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/civicgraph?sslmode=disable", port)
}

// A connection that the server ended (pg_terminate_backend: 57P01, what
// every session gets when PostgreSQL shuts down) is UNAVAILABLE, and the
// pool goes on with a new one; an error in the SQL is not UNAVAILABLE.
func TestIsUnavailable(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		_, err := db.Exec(ctx, "SELECT * FROM no_such_table")
		if err == nil || store.IsUnavailable(err) {
			t.Errorf("a missing table: %v, unavailable %v", err, store.IsUnavailable(err))
		}
		if db.Dialect() != store.Postgres {
			return
		}
		conn, err := db.Bun.DB.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		var pid int
		if err := conn.QueryRowContext(ctx, "SELECT pg_backend_pid()").Scan(&pid); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(ctx, "SELECT pg_terminate_backend(?)", pid); err != nil {
			t.Fatal(err)
		}
		for i := 0; storetest.QueryInt(t, db, "SELECT count(*) FROM pg_stat_activity WHERE pid = ?", pid) > 0; i++ {
			if i == 500 {
				t.Fatalf("backend %d still there after pg_terminate_backend", pid)
			}
			time.Sleep(10 * time.Millisecond)
		}
		_, err = conn.ExecContext(ctx, "SELECT 1")
		if !store.IsUnavailable(err) {
			t.Errorf("a query on a terminated connection: %v, want UNAVAILABLE", err)
		}
		if _, err := db.Exec(ctx, "SELECT 1"); err != nil {
			t.Errorf("the pool after a terminated connection: %v", err)
		}
	})
}

// A server that does not listen: Open fails at once, as every command
// but serve needs; on a pool opened without connecting, every statement
// fails with UNAVAILABLE for the client and the driver's text for the log.
func TestNothingListens(t *testing.T) {
	ctx := context.Background()
	url := nowhere(t)
	if db, err := store.Open(ctx, url); err == nil || !strings.Contains(err.Error(), "connect to postgres") {
		t.Errorf("Open: %v, %v", db, err)
	}
	db, err := store.OpenPool(url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, err = db.Exec(ctx, "SELECT 1")
	if !store.IsUnavailable(err) || apperr.CodeOf(err) != apperr.Unavailable || apperr.MessageOf(err) != "the database is unavailable; retry" {
		t.Errorf("a statement: %v (%s, %q)", err, apperr.CodeOf(err), apperr.MessageOf(err))
	}
	if !strings.Contains(err.Error(), "refused") {
		t.Errorf("the log would not say why: %v", err)
	}
}
