package live_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/civicgraph/civicgraph/internal/auth"
	"github.com/civicgraph/civicgraph/internal/feed"
	"github.com/civicgraph/civicgraph/internal/ingest"
	"github.com/civicgraph/civicgraph/internal/live"
	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/civicgraph/civicgraph/internal/storetest"
	"github.com/civicgraph/civicgraph/internal/write"
)

func TestMain(m *testing.M) {
	if os.Getenv("CIVICGRAPH_TEST_LOG") == "" {
		slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	}
	os.Exit(m.Run())
}

// wait bounds every wait for something to arrive: generous, because a
// loaded CI machine under -race is slow; a passing test waits far less.
const wait = 20 * time.Second

// world is a store with two streets of one province, a community in each,
// and a second connection pool on the same database: the writer, which
// stands for another server process (on SQLite, another process writing
// the same file; nothing in this process learns of its commits but the
// hub).
type world struct {
	db, writer *store.DB
	street1    *auth.Principal // an ANALYST scoped to street S1
}

func newWorld(t *testing.T, d store.Dialect) *world {
	t.Helper()
	ctx := context.Background()
	db := storetest.Open(t, d)
	lines := []map[string]any{
		{"type": "Region", "code": "P1", "name": "广东省", "level": "PROVINCE"},
		{"type": "Region", "code": "S1", "name": "粤海街道", "level": "STREET", "parent": "P1"},
		{"type": "Region", "code": "S2", "name": "南山街道", "level": "STREET", "parent": "P1"},
		{"type": "Community", "code": "C1", "name": "海珠社区", "kind": "URBAN", "region": "S1"},
		{"type": "Community", "code": "C2", "name": "荔湾社区", "kind": "URBAN", "region": "S2"},
	}
	if _, err := ingest.ImportLines(ctx, db, ingest.Slice(lines), ingest.Options{}); err != nil {
		t.Fatalf("load the fixture: %v", err)
	}
	writer, err := store.Open(ctx, db.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { writer.Close() })
	scope, found, err := auth.ResolveScope(ctx, db, auth.Scope{Kind: auth.ScopeRegion, Code: "S1"})
	if err != nil || !found {
		t.Fatalf("resolve the scope region:S1: %v %v", found, err)
	}
	return &world{db: db, writer: writer, street1: &auth.Principal{Subject: "test:s1", Role: auth.Analyst, Scope: scope}}
}

// record writes one service record in community through the writer.
func (w *world) record(t *testing.T, code, community string) {
	t.Helper()
	item := map[string]any{"code": code, "community": community, "occurredAt": "2024-01-01T10:00:00+08:00", "peopleServed": 2}
	if _, err := (&write.Service{DB: w.writer}).RecordServices(context.Background(), []map[string]any{item}, "key-"+code); err != nil {
		t.Fatalf("record %s: %v", code, err)
	}
}

// codes passes the codes of the changes on.
func codes(_ context.Context, page []*store.Change) ([]string, error) {
	out := make([]string, len(page))
	for i, c := range page {
		out[i] = c.Type + " " + c.Code
	}
	return out, nil
}

// next is the next value on ch, failing the test when none comes in time
// or ch is closed.
func next(t *testing.T, ch <-chan string) string {
	t.Helper()
	select {
	case v, ok := <-ch:
		if !ok {
			t.Fatal("the follower stopped")
		}
		return v
	case <-time.After(wait):
		t.Fatal("nothing arrived in time")
	}
	return ""
}

// eventually fails the test unless cond holds before the wait is over.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("still not %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// hubFor is a hub that learns of commits only one way: by LISTEN on
// PostgreSQL (the safety poll is out of reach), by polling on SQLite.
func hubFor(t *testing.T, db *store.DB) *live.Hub {
	h := live.New(db, live.Options{Poll: 20 * time.Millisecond, SafetyPoll: time.Hour})
	t.Cleanup(h.Close)
	return h
}

// A follower receives what another connection writes after it starts, in
// order and nothing before; a scoped principal receives only its region's;
// a region filter keeps its subtree; and when the subscriber goes, so does
// everything it started.
func TestFollowAcrossConnections(t *testing.T) {
	for _, d := range storetest.Backends {
		t.Run(d.String(), func(t *testing.T) {
			w := newWorld(t, d)
			h := hubFor(t, w.db)
			before := runtime.NumGoroutine()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			all, err := live.Follow(ctx, h, nil, feed.Filter{}, codes)
			if err != nil {
				t.Fatal(err)
			}
			records, err := live.Follow(ctx, h, nil, feed.Filter{Types: []string{"ServiceRecord"}}, codes)
			if err != nil {
				t.Fatal(err)
			}
			scoped, err := live.Follow(ctx, h, w.street1, feed.Filter{Types: []string{"ServiceRecord"}}, codes)
			if err != nil {
				t.Fatal(err)
			}
			s2 := storetest.QueryInt(t, w.db, "SELECT id FROM regions WHERE code = 'S2'")
			within, err := live.Follow(ctx, h, nil, feed.Filter{WithinPath: pathOf(t, w.db, s2)}, codes)
			if err != nil {
				t.Fatal(err)
			}
			if !h.Watching() || h.Followers() != 4 {
				t.Fatalf("watching %v with %d followers, want true with 4", h.Watching(), h.Followers())
			}

			w.record(t, "SR-LIVE-1", "C2") // street S2
			w.record(t, "SR-LIVE-2", "C1") // street S1
			if got := next(t, all); got != "ServiceRecord SR-LIVE-1" {
				t.Fatalf("first change %q, want SR-LIVE-1 (nothing from before the follower started)", got)
			}
			if got := next(t, all); got != "ServiceRecord SR-LIVE-2" {
				t.Fatalf("second change %q", got)
			}
			if got := next(t, records); got != "ServiceRecord SR-LIVE-1" {
				t.Fatalf("records: %q", got)
			}
			if got := next(t, scoped); got != "ServiceRecord SR-LIVE-2" {
				t.Fatalf("the S1 analyst got %q first, want SR-LIVE-2 (SR-LIVE-1 is in S2)", got)
			}
			if got := next(t, within); got != "ServiceRecord SR-LIVE-1" {
				t.Fatalf("within S2: %q", got)
			}
			w.record(t, "SR-LIVE-3", "C2")
			if got := next(t, within); got != "ServiceRecord SR-LIVE-3" {
				t.Fatalf("within S2 got %q after SR-LIVE-1, want SR-LIVE-3 (SR-LIVE-2 is in S1)", got)
			}

			cancel()
			for _, ch := range []<-chan string{all, records, scoped, within} {
				for range ch { // drains what was in flight; ends when the follower does
				}
			}
			eventually(t, "stopped", func() bool { return h.Followers() == 0 && !h.Watching() })
			eventually(t, "back to the goroutines from before", func() bool { return runtime.NumGoroutine() <= before })
		})
	}
}

// pathOf is a region's materialized path.
func pathOf(t *testing.T, db *store.DB, id int) string {
	t.Helper()
	rows, err := db.Query(context.Background(), "SELECT path FROM regions WHERE id = ?", id)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var path string
	if !rows.Next() || rows.Scan(&path) != nil {
		t.Fatalf("no region %d", id)
	}
	return path
}

// The hub watches only while someone follows, and starts again for the
// next; Close ends followers and refuses new ones.
func TestHubLifecycle(t *testing.T) {
	w := newWorld(t, store.SQLite)
	h := live.New(w.db, live.Options{Poll: 20 * time.Millisecond})
	if h.Watching() {
		t.Fatal("a hub nobody follows watches")
	}
	for round := 1; round <= 2; round++ {
		ctx, cancel := context.WithCancel(context.Background())
		ch, err := live.Follow(ctx, h, nil, feed.Filter{}, codes)
		if err != nil {
			t.Fatal(err)
		}
		code := fmt.Sprintf("SR-ROUND-%d", round)
		w.record(t, code, "C1")
		if got := next(t, ch); got != "ServiceRecord "+code {
			t.Fatalf("round %d: %q", round, got)
		}
		cancel()
		eventually(t, "idle", func() bool { return h.Followers() == 0 && !h.Watching() })
	}

	ch, err := live.Follow(context.Background(), h, nil, feed.Filter{}, codes)
	if err != nil {
		t.Fatal(err)
	}
	h.Close() // returns once every follower and watcher has stopped
	if _, ok := <-ch; ok {
		t.Fatal("a follower outlived Close")
	}
	if h.Watching() || h.Followers() != 0 {
		t.Fatal("Close left something running")
	}
	if _, err := live.Follow(context.Background(), h, nil, feed.Filter{}, codes); err == nil {
		t.Fatal("Follow after Close succeeded")
	}
	if _, err := live.Follow(context.Background(), live.New(w.db, live.Options{}), nil, feed.Filter{Types: []string{"Nope"}}, codes); err == nil {
		t.Fatal("an unknown type was accepted")
	}
}

// A failing load is retried from the same cursor: nothing is lost.
func TestFollowRetriesAFailedLoad(t *testing.T) {
	w := newWorld(t, store.SQLite)
	h := hubFor(t, w.db)
	failures := 2
	flaky := func(ctx context.Context, page []*store.Change) ([]string, error) {
		if failures > 0 {
			failures--
			return nil, fmt.Errorf("the database went away")
		}
		return codes(ctx, page)
	}
	ch, err := live.Follow(t.Context(), h, nil, feed.Filter{}, flaky)
	if err != nil {
		t.Fatal(err)
	}
	w.record(t, "SR-RETRY", "C1")
	if got := next(t, ch); got != "ServiceRecord SR-RETRY" || failures != 0 {
		t.Fatalf("got %q with %d failures left", got, failures)
	}
}

// On PostgreSQL the hub's listening connection is replaced when it dies:
// with the safety poll out of reach, only a new LISTEN delivers the next
// commit.
func TestListenReconnects(t *testing.T) {
	w := newWorld(t, store.Postgres)
	h := hubFor(t, w.db)
	ch, err := live.Follow(t.Context(), h, nil, feed.Filter{}, codes)
	if err != nil {
		t.Fatal(err)
	}
	w.record(t, "SR-BEFORE", "C1")
	if got := next(t, ch); got != "ServiceRecord SR-BEFORE" {
		t.Fatalf("got %q", got)
	}
	listeners := `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN %'`
	if n := storetest.QueryInt(t, w.writer, listeners); n != 1 {
		t.Fatalf("%d listening connections, want 1", n)
	}
	storetest.QueryInt(t, w.writer, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN %'`)
	// Whether this write commits before the new connection listens (the
	// hub then reads the feed once it does) or after (it is notified), only
	// a replaced listener delivers it.
	w.record(t, "SR-AFTER", "C1")
	if got := next(t, ch); got != "ServiceRecord SR-AFTER" {
		t.Fatalf("after the listener was killed: %q", got)
	}
}
