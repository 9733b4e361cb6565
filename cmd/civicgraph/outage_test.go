package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/civicgraph/civicgraph/internal/storetest"
)

// `civicgraph serve` (the real binary) through two database outages, on a
// PostgreSQL server of the test's own: it starts while the server is
// stopped, answering /healthz, and 503 UNAVAILABLE to GraphQL and /readyz,
// then serves once the database starts; then the database restarts under
// read and write load: requests meanwhile fail with UNAVAILABLE (never
// INTERNAL, never hanging), service resumes, and every write that was
// acknowledged is in the database, every one that got UNAVAILABLE can be
// retried with its idempotency key.
func TestServeThroughDatabaseOutages(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	type build struct {
		bin string
		err error
	}
	built := make(chan build, 1)
	binDir := t.TempDir()
	go func() { // while initdb runs
		bin, err := buildServeBinary(binDir)
		built <- build{bin, err}
	}()
	cluster := storetest.NewCluster(t)
	b := <-built
	if b.err != nil {
		t.Fatal(b.err)
	}
	p := startServing(t, b.bin, cluster.URL())

	// One after the other, not subtests: the cluster belongs to this
	// test, whose goroutine alone may fail it.
	t.Log("serve starts before the database")
	key := startsBeforeTheDatabase(ctx, t, p, cluster, b.bin)
	t.Log("the database restarts under load")
	restartsUnderLoad(ctx, t, p, cluster, key)
	p.stop(t)
}

// startsBeforeTheDatabase checks serve before and after the cluster
// starts, then gives it the data the load needs and returns an ADMIN key.
func startsBeforeTheDatabase(ctx context.Context, t *testing.T, p *serving, cluster *storetest.Cluster, bin string) string {
	if status, body := p.get(ctx, t, p.admin+"/healthz"); status != http.StatusOK {
		t.Errorf("admin /healthz before the database: %d %s", status, body)
	}
	if status, body := p.get(ctx, t, p.public+"/healthz"); status != http.StatusOK {
		t.Errorf("/healthz before the database: %d %s", status, body)
	}
	status, body := p.get(ctx, t, p.admin+"/readyz")
	rep := decodeReadiness(t, body)
	if status != http.StatusServiceUnavailable || rep.Ready || rep.Database.OK || rep.Database.Error == "" || rep.Migrations.OK || rep.Migrations.Known == 0 || !bytes.Contains(body, []byte(`"replicas":[]`)) {
		t.Errorf("/readyz before the database: %d %s", status, body)
	}
	ans := p.graphql(ctx, "", `{ __typename }`, nil)
	if ans.err != nil || ans.status != http.StatusServiceUnavailable || ans.retryAfter != "1" || ans.outcome() != unavailable ||
		ans.Errors[0].Message != "the database is unavailable; retry" {
		t.Errorf("GraphQL before the database: %s", ans)
	}

	cluster.Start()
	started := time.Now()
	for {
		status, body = p.get(ctx, t, p.admin+"/readyz")
		if status == http.StatusOK {
			break
		}
		if time.Since(started) > 30*time.Second {
			t.Fatalf("/readyz 30 s after the database started: %d %s", status, body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("ready %s after the database started", time.Since(started).Round(time.Millisecond))
	rep = decodeReadiness(t, body)
	if !rep.Ready || !rep.Database.OK || !rep.Migrations.OK || rep.Migrations.Applied != rep.Migrations.Known || rep.Migrations.Known == 0 {
		t.Errorf("/readyz once ready: %s", body)
	}

	runCivicgraph(t, bin, `{"type":"Region","code":"440300","name":"深圳市","level":"CITY"}
{"type":"Community","code":"C1","name":"海珠社区","kind":"URBAN","region":"440300"}
`, "import", "--database", cluster.URL(), "-")
	out := strings.Fields(runCivicgraph(t, bin, "", "apikey", "create", "--database", cluster.URL(), "--name", "load", "--role", "ADMIN"))
	key := out[len(out)-1] // alone on the last line
	for {
		ans = p.graphql(ctx, key, readQuery, nil)
		if ans.outcome() == ok {
			break
		}
		if time.Since(started) > 30*time.Second {
			t.Fatalf("no answer 30 s after the database started: %s", ans)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !bytes.Contains(ans.Data, []byte(`"totalCount":1`)) {
		t.Errorf("read once ready: %s", ans)
	}
	return key
}

const (
	readQuery   = `{ communities(first: 5) { totalCount nodes { code } } }`
	recordQuery = `mutation($in: [ServiceRecordInput!]!, $key: String!) { recordServices(input: $in, idempotencyKey: $key) { count replayed } }`
)

// restartsUnderLoad restarts the cluster (pg_ctl restart -m fast) while
// four clients read and one records services, each with a new key.
func restartsUnderLoad(ctx context.Context, t *testing.T, p *serving, cluster *storetest.Cluster, key string) {
	var (
		stop                = make(chan struct{})
		wg                  sync.WaitGroup
		mu                  sync.Mutex
		failures            []string
		acked, unacked      []string // record codes (= idempotency keys)
		reads, unavailables atomic.Int64
		lastRead, lastWrite atomic.Int64 // UnixNano of the latest success
		readsOK, writesOK   atomic.Int64
		readsDown           atomic.Int64
	)
	stopLoad := sync.OnceFunc(func() { close(stop); wg.Wait() })
	defer stopLoad() // also when the test fails half-way
	fail := func(what string, ans answer) {
		mu.Lock()
		defer mu.Unlock()
		failures = append(failures, what+": "+ans.String())
	}
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				select {
				case <-stop:
					return
				default:
				}
				ans := p.graphql(ctx, key, readQuery, nil)
				reads.Add(1)
				switch ans.outcome() {
				case ok:
					readsOK.Add(1)
					lastRead.Store(time.Now().UnixNano())
				case unavailable:
					readsDown.Add(1)
					unavailables.Add(1)
				default:
					fail("read", ans)
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ctx.Err() == nil; i++ {
			select {
			case <-stop:
				return
			default:
			}
			code := fmt.Sprintf("SR-LOAD-%d", i)
			ans := p.graphql(ctx, key, recordQuery, recordVars(code))
			switch ans.outcome() {
			case ok:
				writesOK.Add(1)
				lastWrite.Store(time.Now().UnixNano())
				mu.Lock()
				acked = append(acked, code)
				mu.Unlock()
			case unavailable:
				unavailables.Add(1)
				mu.Lock()
				unacked = append(unacked, code)
				mu.Unlock()
			default:
				fail("recordServices "+code, ans)
			}
		}
	}()
	waitFor(ctx, t, "reads and writes before the restart", func() bool { return readsOK.Load() >= 20 && writesOK.Load() >= 5 })

	before := time.Now()
	cluster.Restart("fast")
	restarted := time.Now()
	t.Logf("pg_ctl restart -m fast took %s", restarted.Sub(before).Round(time.Millisecond))
	waitFor(ctx, t, "reads and writes after the restart", func() bool {
		return lastRead.Load() > restarted.UnixNano() && lastWrite.Load() > restarted.UnixNano()
	})
	t.Logf("reads and writes succeed again %s after the database was back", time.Since(restarted).Round(time.Millisecond))
	time.Sleep(300 * time.Millisecond) // a little steady load after the outage
	stopLoad()
	t.Logf("%d reads (%d ok, %d UNAVAILABLE), %d writes (%d ok, %d UNAVAILABLE)",
		reads.Load(), readsOK.Load(), readsDown.Load(), len(acked)+len(unacked), len(acked), len(unacked))
	for i, f := range failures {
		if i == 5 {
			t.Errorf("... and %d more", len(failures)-5)
			break
		}
		t.Errorf("neither an answer nor UNAVAILABLE: %s", f)
	}
	if unavailables.Load() == 0 {
		t.Error("no request met the outage: the restart was not observed")
	}
	if p.exitedEarly() {
		t.Fatal("serve exited during the outage")
	}

	db, err := store.Open(ctx, cluster.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// Every acknowledged write is there.
	for _, code := range acked {
		if n := storetest.QueryInt(t, db, "SELECT count(*) FROM service_records WHERE code = ?", code); n != 1 {
			t.Errorf("acknowledged record %s: %d rows", code, n)
		}
	}
	// UNAVAILABLE is retryable: each such write, sent again with its key,
	// succeeds (written now, or replayed if its first attempt committed).
	for _, code := range unacked {
		if ans := p.graphql(ctx, key, recordQuery, recordVars(code)); ans.outcome() != ok {
			t.Errorf("retrying %s: %s", code, ans)
		}
	}
	n := storetest.QueryInt(t, db, "SELECT count(*) FROM service_records WHERE code LIKE 'SR-LOAD-%'")
	if want := len(acked) + len(unacked); n != want {
		t.Errorf("%d load records in the database, want %d (%d acknowledged, %d retried)", n, want, len(acked), len(unacked))
	}
	if status, body := p.get(ctx, t, p.admin+"/readyz"); status != http.StatusOK {
		t.Errorf("/readyz after the restart: %d %s", status, body)
	}
}

func recordVars(code string) map[string]any {
	return map[string]any{"key": code, "in": []any{map[string]any{
		"code": code, "community": "C1", "occurredAt": "2024-01-01T10:00:00+08:00", "peopleServed": 2,
	}}}
}

// waitFor polls cond until it holds, failing the test after 30 s.
func waitFor(ctx context.Context, t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) || ctx.Err() != nil {
			t.Fatalf("waited 30 s for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// readinessReport is /readyz's body.
type readinessReport struct {
	Ready    bool `json:"ready"`
	Database struct {
		OK    bool   `json:"ok"`
		Error string `json:"error"`
	} `json:"database"`
	Migrations struct {
		OK      bool `json:"ok"`
		Applied int  `json:"applied"`
		Known   int  `json:"known"`
	} `json:"migrations"`
	Replicas []json.RawMessage `json:"replicas"`
}

func decodeReadiness(t *testing.T, body []byte) readinessReport {
	t.Helper()
	var rep readinessReport
	if err := json.Unmarshal(body, &rep); err != nil {
		t.Fatalf("/readyz: %v: %s", err, body)
	}
	return rep
}
