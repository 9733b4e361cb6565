package server_test

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/civicgraph/civicgraph/internal/ingest"
	"github.com/civicgraph/civicgraph/internal/metrics"
	"github.com/civicgraph/civicgraph/internal/server"
	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/civicgraph/civicgraph/internal/storetest"
)

// A client that closes its connection while its request's SQL runs
// cancels that SQL: the statement stops in the database (PostgreSQL shows
// no active query for it any more; SQLite's wait ends long before its busy
// timeout), nothing of the write is left, and the server counts the
// request as cancelled (HTTP 499, code CANCELLED), not as an INTERNAL
// error. The SQL is slow for a real reason: a write waiting for a lock
// that another writer holds (here the test, as a long import would).
func TestClientDisconnectCancelsItsSQL(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		f := newFixture(t, db)
		slow := []map[string]any{{"type": "ServiceCategory", "code": "SLOW", "name": "慢车道"}}
		if _, err := ingest.ImportLines(ctx, db, ingest.Slice(slow), ingest.Options{}); err != nil {
			t.Fatal(err)
		}
		m := metrics.New()
		// Every layer as served, the response cache and batching
		// included: none may detach the work from the request's context.
		h := server.New(server.Config{DB: db, Auth: f.authn, Metrics: m})
		entered, returned := make(chan struct{}, 1), make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			entered <- struct{}{} // the one request this server gets
			defer close(returned)
			h.ServeHTTP(w, r)
		}))
		defer srv.Close()

		holder := holdCategoryLock(ctx, t, db)
		conn := sendRaw(t, srv.URL, f.keys["admin"], `mutation { upsertServiceCategory(input: {code: "SLOW", name: "慢"}) { code } }`)
		select {
		case <-entered:
		case <-ctx.Done():
			t.Fatal("the request did not reach the server")
		}
		if db.Dialect() == store.Postgres {
			waitForActivity(ctx, t, db, "the write to wait for the lock", "wait_event_type = 'Lock'", true)
		} else {
			// SQLite shows no waiters: give the request a moment to reach
			// the lock (BEGIN IMMEDIATE, waiting in the busy handler).
			time.Sleep(300 * time.Millisecond)
		}
		conn.Close()

		// SQLite would wait out its busy timeout (10 s) if the cancellation
		// did not interrupt the wait: the bound is below it.
		select {
		case <-returned:
		case <-time.After(8 * time.Second):
			t.Fatal("the handler still runs after its client went away")
		}
		if db.Dialect() == store.Postgres {
			waitForActivity(ctx, t, db, "the write's statement to end", "state = 'active'", false)
		}
		if err := holder.Rollback(); err != nil {
			t.Fatal(err)
		}
		if n := storetest.QueryInt(t, db, "SELECT count(*) FROM service_categories WHERE code = 'SLOW' AND name = '慢车道'"); n != 1 {
			t.Error("the cancelled write changed the category")
		}

		scrape := httptest.NewRecorder()
		m.Handler().ServeHTTP(scrape, httptest.NewRequest(http.MethodGet, "/metrics", nil))
		text := scrape.Body.String()
		if !strings.Contains(text, `civicgraph_http_requests_total{path="/graphql",status="499"} 1`) {
			t.Errorf("the metrics do not count the request as cancelled by its client (499):\n%s", grepLines(text, "http_requests_total"))
		}
		if ops := grepLines(text, "civicgraph_graphql_operations_total{"); !strings.Contains(ops, `code="CANCELLED"`) || strings.Contains(ops, `code="INTERNAL"`) {
			t.Errorf("the operation is not counted as CANCELLED:\n%s", ops)
		}
	})
}

// holdCategoryLock begins a transaction that holds the lock a write of
// the category SLOW needs: its row on PostgreSQL, the database's write
// lock on SQLite (BEGIN IMMEDIATE, the store's way of beginning).
func holdCategoryLock(ctx context.Context, t *testing.T, db *store.DB) *sql.Tx {
	t.Helper()
	tx, err := db.Bun.DB.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tx.Rollback() })
	if db.Dialect() == store.Postgres {
		if _, err := tx.ExecContext(ctx, "SELECT 1 FROM service_categories WHERE code = 'SLOW' FOR UPDATE"); err != nil {
			t.Fatal(err)
		}
	}
	return tx
}

// sendRaw posts a GraphQL query over a connection of its own, which the
// caller closes: a client that goes away without reading the answer.
func sendRaw(t *testing.T, base, key, query string) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(map[string]any{"query": query})
	req, _ := http.NewRequest(http.MethodPost, base+"/graphql", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+key)
	w := bufio.NewWriter(conn)
	if err := req.Write(w); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return conn
}

// waitForActivity waits until pg_stat_activity shows (present) or no
// longer shows a statement of the server's, on service_categories, that
// matches cond.
func waitForActivity(ctx context.Context, t *testing.T, db *store.DB, what, cond string, present bool) {
	t.Helper()
	q := `SELECT count(*) FROM pg_stat_activity
		WHERE datname = current_database() AND application_name = ? AND pid <> pg_backend_pid()
		AND query LIKE '%service_categories%' AND ` + cond
	deadline := time.Now().Add(10 * time.Second)
	for (storetest.QueryInt(t, db, q, store.ApplicationName) > 0) != present {
		if time.Now().After(deadline) || ctx.Err() != nil {
			t.Fatalf("waited 10 s for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// grepLines is the lines of text that contain s.
func grepLines(text, s string) string {
	var b strings.Builder
	for line := range strings.Lines(text) {
		if strings.Contains(line, s) {
			fmt.Fprint(&b, line)
		}
	}
	return b.String()
}
