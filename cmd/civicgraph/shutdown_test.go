package main

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/civicgraph/civicgraph/internal/storetest"
)

// shutdownGrace is serve's --shutdown-grace in these tests: long enough
// for the slow request, and bounded.
const shutdownGrace = 20 * time.Second

// `civicgraph serve` (the real binary) gets SIGTERM under load, on each
// store. Four clients read and one writes (idempotent upserts) all along;
// a slow request is in flight when the signal lands: a write waiting for
// a lock that another writer (the test, like a long import would) holds;
// a keep-alive connection is idle; a websocket subscriber follows the
// change feed. After the signal new connections are refused, the idle
// connection is closed, the subscriber gets a close frame, the process
// does not exit while the slow request waits; once the lock is released
// the slow request gets its whole answer, and serve exits with status 0,
// having stopped its admin listener after the public one.
func TestServeStopsGracefullyOnSIGTERM(t *testing.T) {
	bin, err := buildServeBinary(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			url := "sqlite:" + filepath.Join(t.TempDir(), "serve.db")
			if backend == "postgres" {
				url = storetest.NewPostgresDatabase(t)
			}
			sigtermUnderLoad(t, bin, url)
		})
	}
}

func sigtermUnderLoad(t *testing.T, bin, url string) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	runCivicgraph(t, bin, "", "migrate", "--database", url)
	runCivicgraph(t, bin, `{"type":"Region","code":"440300","name":"深圳市","level":"CITY"}
{"type":"Community","code":"C1","name":"海珠社区","kind":"URBAN","region":"440300"}
{"type":"ServiceCategory","code":"SLOW","name":"慢车道"}
`, "import", "--database", url, "-")
	out := strings.Fields(runCivicgraph(t, bin, "", "apikey", "create", "--database", url, "--name", "load", "--role", "ADMIN"))
	key := out[len(out)-1] // alone on the last line
	p := startServing(t, bin, url, "--shutdown-grace", shutdownGrace.String(), "--request-timeout", "30s")
	p.client = &http.Client{Timeout: time.Minute}

	load := startLoad(ctx, p, key)
	defer load.stop()
	waitFor(ctx, t, "reads and writes before the signal", func() bool { return load.readsOK.Load() >= 20 && load.writesOK.Load() >= 5 })

	idle := openIdleConnection(t, p.public)
	defer idle.Close()
	sub := subscribe(ctx, t, p.public, key)
	defer sub.CloseNow()

	holder := lockSlowCategory(ctx, t, url)
	slow := sendSlowWrite(ctx, t, p, key)
	holder.waitForWaiter(ctx, t)

	load.signalled.Store(true)
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitRefused(ctx, t, p.public)
	checkClosedByServer(t, idle)
	checkCloseFrame(ctx, t, sub)
	select {
	case ans := <-slow:
		t.Fatalf("the slow write did not wait for the lock: %s", ans)
	default:
	}
	if p.exitedEarly() {
		t.Fatal("serve exited with a request in flight")
	}

	holder.release(t)
	if ans := <-slow; ans.outcome() != ok || !strings.Contains(string(ans.Data), `"name":"慢"`) {
		t.Errorf("the request in flight at the signal: %s", ans)
	}
	select {
	case err := <-p.exited:
		p.exited <- err
		if err != nil {
			t.Errorf("serve exited with %v, want status 0", err)
		}
	case <-time.After(shutdownGrace + 10*time.Second):
		t.Fatal("serve did not exit within its grace period")
	}
	load.stop()
	load.check(t)
	log := p.stderr.String()
	for _, want := range []string{"shutting down", "public listener stopped", "admin listener stopped"} {
		if !strings.Contains(log, want) {
			t.Errorf("serve's log does not say %q", want)
		}
	}
	if strings.Index(log, "admin listener stopped") < strings.Index(log, "public listener stopped") {
		t.Error("the admin listener stopped before the public one")
	}
	if strings.Contains(log, "DATA RACE") {
		t.Errorf("data race in serve:\n%s", log)
	}
	db, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if n := storetest.QueryInt(t, db, "SELECT count(*) FROM service_categories WHERE code = 'SLOW' AND name = '慢'"); n != 1 {
		t.Error("the slow write was answered but is not in the database")
	}
}

// load is steady traffic: readers and one writer of idempotent upserts.
type load struct {
	stop      func()
	signalled atomic.Bool // set just before SIGTERM is sent

	readsOK, writesOK, refused atomic.Int64

	mu       sync.Mutex
	failures []string
}

const upsertCategory = `mutation { upsertServiceCategory(input: {code: "LOAD", name: "负载"}) { code } }`

func startLoad(ctx context.Context, p *serving, key string) *load {
	l := &load{}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	l.stop = sync.OnceFunc(func() { close(stop); wg.Wait() })
	run := func(query string, okCount *atomic.Int64) {
		defer wg.Done()
		for ctx.Err() == nil {
			select {
			case <-stop:
				return
			default:
			}
			after := l.signalled.Load()
			ans := p.graphql(ctx, key, query, nil)
			switch {
			case ans.outcome() == ok:
				okCount.Add(1)
			case ans.status == 0 && ans.err != nil && (after || l.signalled.Load()):
				// Not served: the connection was refused or closed
				// before the request was read. A client's retry finds
				// another replica; this one is going.
				l.refused.Add(1)
				time.Sleep(10 * time.Millisecond)
			default:
				l.mu.Lock()
				l.failures = append(l.failures, ans.String())
				l.mu.Unlock()
			}
		}
	}
	for range 4 {
		wg.Add(1)
		go run(readQuery, &l.readsOK)
	}
	wg.Add(1)
	go run(upsertCategory, &l.writesOK)
	return l
}

// check fails the test for every request that got neither a whole answer
// nor, after the signal, no answer at all: a half answer, an error, a
// refusal before the signal.
func (l *load) check(t *testing.T) {
	t.Helper()
	t.Logf("load: %d reads and %d writes answered, %d not served after the signal", l.readsOK.Load(), l.writesOK.Load(), l.refused.Load())
	l.mu.Lock()
	defer l.mu.Unlock()
	for i, f := range l.failures {
		if i == 5 {
			t.Errorf("... and %d more", len(l.failures)-5)
			break
		}
		t.Errorf("neither a whole answer nor refused after the signal: %s", f)
	}
}

// lockHolder is a transaction of the test's that holds the lock a write
// of the service category SLOW needs.
type lockHolder struct {
	db *store.DB
	tx *sql.Tx
}

// slowWrite changes the service category SLOW, which waits for the test's
// lock.
const slowWrite = `mutation { upsertServiceCategory(input: {code: "SLOW", name: "慢"}) { code name } }`

// lockSlowCategory takes the lock: on PostgreSQL the category's row lock
// (reads go on, writes of it wait), on SQLite the database's write lock
// (BEGIN IMMEDIATE: every write waits, reads go on).
func lockSlowCategory(ctx context.Context, t *testing.T, url string) *lockHolder {
	t.Helper()
	db, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	tx, err := db.Bun.DB.BeginTx(ctx, nil) // SQLite: BEGIN IMMEDIATE (the store's _txlock)
	if err != nil {
		t.Fatal(err)
	}
	if db.Dialect() == store.Postgres {
		if _, err := tx.ExecContext(ctx, "SELECT 1 FROM service_categories WHERE code = 'SLOW' FOR UPDATE"); err != nil {
			t.Fatal(err)
		}
	}
	return &lockHolder{db: db, tx: tx}
}

// waitForWaiter returns once the slow write waits for the lock: on
// PostgreSQL, once pg_stat_activity shows the server's statement waiting
// for it. SQLite shows no waiters; there, its request has been sent
// (sendSlowWrite waits for that) and has a moment to reach the lock.
func (h *lockHolder) waitForWaiter(ctx context.Context, t *testing.T) {
	t.Helper()
	if h.db.Dialect() != store.Postgres {
		time.Sleep(500 * time.Millisecond)
		return
	}
	waitFor(ctx, t, "the slow write to wait for the lock", func() bool {
		return storetest.QueryInt(t, h.db, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND application_name = ? AND wait_event_type = 'Lock' AND query LIKE '%service_categories%'`,
			store.ApplicationName) > 0
	})
}

func (h *lockHolder) release(t *testing.T) {
	t.Helper()
	if err := h.tx.Rollback(); err != nil {
		t.Fatal(err)
	}
}

// sendSlowWrite sends slowWrite on a connection of its own, and returns once the request is sent; its
// answer comes on the channel.
func sendSlowWrite(ctx context.Context, t *testing.T, p *serving, key string) <-chan answer {
	t.Helper()
	sent := make(chan struct{})
	trace := &httptrace.ClientTrace{WroteRequest: func(httptrace.WroteRequestInfo) { close(sent) }}
	slow := &serving{public: p.public, client: &http.Client{Timeout: time.Minute, Transport: &http.Transport{}}}
	ans := make(chan answer, 1)
	go func() {
		ans <- slow.graphql(httptrace.WithClientTrace(ctx, trace), key, slowWrite, nil)
	}()
	select {
	case <-sent:
	case a := <-ans:
		t.Fatalf("the slow write was answered at once: %s", a)
	case <-ctx.Done():
		t.Fatal("the slow write was not sent in time")
	}
	return ans
}

// openIdleConnection makes one keep-alive request on a connection of its
// own and returns the connection, idle.
func openIdleConnection(t *testing.T, public string) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(public, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "GET /healthz HTTP/1.1\r\nHost: civicgraph\r\n\r\n")
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || res.Close {
		t.Fatalf("keep-alive /healthz: %d, close %v", res.StatusCode, res.Close)
	}
	return conn
}

// checkClosedByServer requires the server to close the idle connection.
func checkClosedByServer(t *testing.T, conn net.Conn) {
	t.Helper()
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, err := conn.Read(make([]byte, 1))
	if n != 0 || !errors.Is(err, io.EOF) && !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("the idle keep-alive connection after the signal: read %d bytes, %v; want it closed", n, err)
	}
}

// waitRefused waits until a new connection to public is refused.
func waitRefused(ctx context.Context, t *testing.T, public string) {
	t.Helper()
	addr := strings.TrimPrefix(public, "http://")
	waitFor(ctx, t, "new connections to be refused", func() bool {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			conn.Close()
			return false
		}
		// Reset: the listener closed with the connection in its
		// backlog, not accepted; the next one is refused.
		if !errors.Is(err, syscall.ECONNREFUSED) && !errors.Is(err, syscall.ECONNRESET) {
			t.Errorf("a new connection after the signal: %v, want refused", err)
		}
		return errors.Is(err, syscall.ECONNREFUSED)
	})
}

// subscribe opens a graphql-transport-ws connection and subscribes to
// new service records.
func subscribe(ctx context.Context, t *testing.T, public, key string) *websocket.Conn {
	t.Helper()
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(public, "http")+"/graphql", &websocket.DialOptions{
		Subprotocols: []string{"graphql-transport-ws"},
	})
	if err != nil {
		t.Fatal(err)
	}
	send := func(m map[string]any) {
		if err := wsjson.Write(ctx, conn, m); err != nil {
			t.Fatal(err)
		}
	}
	send(map[string]any{"type": "connection_init", "payload": map[string]any{"Authorization": "Bearer " + key}})
	var ack struct{ Type string }
	if err := wsjson.Read(ctx, conn, &ack); err != nil || ack.Type != "connection_ack" {
		t.Fatalf("connection_init: %v %q", err, ack.Type)
	}
	send(map[string]any{"type": "subscribe", "id": "1", "payload": map[string]any{"query": "subscription { serviceRecorded { code } }"}})
	return conn
}

// checkCloseFrame requires the subscriber's connection to end with a
// close frame (normal closure or going away), not a dropped connection.
func checkCloseFrame(ctx context.Context, t *testing.T, conn *websocket.Conn) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	for {
		var m json.RawMessage
		err := wsjson.Read(ctx, conn, &m)
		if err == nil {
			continue // an event or "complete" before the close
		}
		switch websocket.CloseStatus(err) {
		case websocket.StatusNormalClosure, websocket.StatusGoingAway:
		default:
			t.Errorf("the subscriber's connection ended without a proper close frame: %v", err)
		}
		return
	}
}

// What the grace period ends: a request still running then (its handler
// never returns) or a hijacked connection nobody closes (a websocket whose
// hub forgot it) is cut off, and serveUntilStopped says so, which makes
// the exit status 1.
func TestShutdownCutsOffAfterTheGracePeriod(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	startup := store.Start(context.Background(), db, func(context.Context) error { return nil })
	if err := startup.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	for name, stuck := range map[string]func(w http.ResponseWriter, release <-chan struct{}){
		"request": func(_ http.ResponseWriter, release <-chan struct{}) { <-release },
		"hijacked": func(w http.ResponseWriter, _ <-chan struct{}) {
			if _, _, err := http.NewResponseController(w).Hijack(); err != nil {
				t.Error(err)
			}
		},
	} {
		t.Run(name, func(t *testing.T) {
			release, entered := make(chan struct{}), make(chan struct{})
			defer close(release)
			srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				close(entered)
				stuck(w, release)
			})}
			tcp, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			ln := newDrainListener(tcp)
			ctx, stop := context.WithCancel(context.Background())
			defer stop()
			stopped := make(chan error, 1)
			go func() { stopped <- serveUntilStopped(ctx, srv, ln, nil, 200*time.Millisecond, startup, func() {}) }()
			client := &http.Client{Timeout: 30 * time.Second}
			go func() {
				if res, err := client.Get("http://" + tcp.Addr().String() + "/"); err == nil {
					res.Body.Close()
				}
			}()
			select {
			case <-entered:
			case <-time.After(30 * time.Second):
				t.Fatal("the request did not arrive")
			}
			stop()
			select {
			case err := <-stopped:
				if err == nil || !strings.Contains(err.Error(), "still busy after the 200ms grace period") {
					t.Errorf("serveUntilStopped: %v; want the grace period's error", err)
				}
			case <-time.After(30 * time.Second):
				t.Fatal("serveUntilStopped did not return after its grace period")
			}
			if n := ln.Open(); n != 0 {
				t.Errorf("%d connections open after the shutdown", n)
			}
		})
	}
}

func TestShutdownGraceMustBePositive(t *testing.T) {
	for _, grace := range []string{"0s", "-1s"} {
		if code, _, stderr := cli(t, "", "serve", "--shutdown-grace", grace); code != 2 || !strings.Contains(stderr, "--shutdown-grace") {
			t.Errorf("serve --shutdown-grace %s: exit %d, %q; want 2 and a message", grace, code, stderr)
		}
	}
}
