package server_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/civicgraph/civicgraph/internal/server"
	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/civicgraph/civicgraph/internal/storetest"
	"github.com/jackc/pgx/v5/pgconn"
)

// seedRegions adds n regions in one statement (the same SQL on both
// backends), enough that scanning them all takes far longer than 1 ms.
func seedRegions(t *testing.T, db *store.DB, n int) {
	t.Helper()
	_, err := db.Exec(context.Background(), `WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < ?)
		INSERT INTO regions (code, name, level) SELECT 'R' || g, 'region ' || g, 'CITY' FROM s`, n)
	if err != nil {
		t.Fatalf("seed regions: %v", err)
	}
}

func TestRequestTimeout(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		seedRegions(t, db, 50_000)
		q := `{ regions(where: { name: { contains: "zz" } }) { totalCount } }`
		f.serve(t, server.Config{}).query("admin", q).ok(t) // 30 s is ample

		s := f.serve(t, server.Config{RequestTimeout: time.Millisecond})
		// New closed the idle connections so that new ones carry the 1 ms
		// statement_timeout; open one now, or the deadline would most
		// likely strike while connecting rather than while scanning. (Where
		// it strikes makes no difference to the client.)
		_, _ = db.Exec(context.Background(), "SELECT 1")
		r := s.query("admin", q)
		res := r.result(t)
		if len(res.Errors) == 0 {
			t.Fatalf("a scan of 50,000 rows finished within 1 ms: %s", r.body)
		}
		for _, e := range res.Errors {
			if code, _ := e.Extensions["code"].(string); code != "QUERY_TOO_COMPLEX" {
				t.Errorf("code %q, want QUERY_TOO_COMPLEX: %s", code, r.body)
			}
			if !strings.Contains(e.Message, "the query ran longer than the 1ms limit") {
				t.Errorf("message %q does not state the limit", e.Message)
			}
		}
		body := strings.ToLower(string(r.body))
		for _, leak := range []string{"select", "sql", "context", "deadline", "interrupt", "cancel"} {
			if strings.Contains(body, leak) {
				t.Errorf("the response leaks %q: %s", leak, r.body)
			}
		}
	})
}

// TestStatementTimeoutInPostgres: the server's connections carry the
// request timeout as statement_timeout, so PostgreSQL itself stops a
// statement that nobody cancels.
func TestStatementTimeoutInPostgres(t *testing.T) {
	db := storetest.Open(t, store.Postgres)
	serve(t, db, server.Config{RequestTimeout: 250 * time.Millisecond})

	rows, err := db.Query(context.Background(), "SHOW statement_timeout")
	if err != nil {
		t.Fatal(err)
	}
	var setting string
	for rows.Next() {
		if err := rows.Scan(&setting); err != nil {
			t.Fatal(err)
		}
	}
	rows.Close()
	if setting != "250ms" {
		t.Errorf("statement_timeout is %q, want 250ms", setting)
	}

	_, err = db.Exec(context.Background(), "SELECT pg_sleep(60)")
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "57014" {
		t.Fatalf("pg_sleep(60) under a 250ms statement_timeout: %v, want query_canceled (57014)", err)
	}
}

// TestSQLiteStopsACancelledQuery: SQLite has no statement_timeout; the
// request's deadline must interrupt a statement that would never end.
func TestSQLiteStopsACancelledQuery(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		rows, err := db.Query(ctx, "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c")
		if err == nil {
			for rows.Next() {
			}
			err = rows.Err()
			rows.Close()
		}
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("an endless query ended without an error")
		}
	case <-time.After(time.Minute): // generous: it should take 50 ms
		t.Fatal("cancelling the context did not stop an endless SQLite query")
	}
}
