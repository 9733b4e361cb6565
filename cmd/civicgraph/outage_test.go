package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/civicgraph/civicgraph/internal/storetest"
)

// raceEnabled is whether this test binary runs with the race detector
// (race_test.go): the serve binary is then built with it too.
var raceEnabled bool

// outageRequestTimeout is serve's --request-timeout in these tests: no
// request may take longer, outage or not (the client allows a margin).
const outageRequestTimeout = 5 * time.Second

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

// answer is one GraphQL request's outcome.
type answer struct {
	status     int
	retryAfter string
	err        error // the request's own failure (a timeout: a hang)
	body       []byte
	Data       json.RawMessage `json:"data"`
	Errors     []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

const (
	ok          = "ok"
	unavailable = "UNAVAILABLE"
)

// outcome is ok (200 without errors), UNAVAILABLE (every error has that
// code, whatever the HTTP status: 503 before the startup, 200 from
// GraphQL, 500 from authentication) or else a description of what it was.
func (a answer) outcome() string {
	switch {
	case a.err != nil:
		return "failed: " + a.err.Error()
	case len(a.Errors) == 0 && a.status == http.StatusOK:
		return ok
	case len(a.Errors) == 0:
		return fmt.Sprintf("status %d", a.status)
	}
	for _, e := range a.Errors {
		if e.Extensions["code"] != unavailable {
			return fmt.Sprintf("%v", e.Extensions["code"])
		}
	}
	return unavailable
}

func (a answer) String() string {
	if a.err != nil {
		return a.err.Error()
	}
	return fmt.Sprintf("%d (Retry-After %q) %s", a.status, a.retryAfter, bytes.TrimSpace(a.body))
}

// serving is a running `civicgraph serve`.
type serving struct {
	cmd    *exec.Cmd
	public string // http://HOST:PORT of the public listener
	admin  string // and of the admin listener
	stderr *bytes.Buffer
	exited chan error
	client *http.Client
}

var (
	publicLine = regexp.MustCompile(`civicgraph listening on (http://\S+)/ `)
	adminLine  = regexp.MustCompile(`admin listening on (http://\S+)/ `)
)

// startServing starts serve against url with both listeners on free
// ports and waits until it says where they are. It is killed when the
// test ends, if it has not stopped.
func startServing(t *testing.T, bin, url string) *serving {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--database", url, "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0",
		"--rate-limit", "-1", "--response-cache-mb", "0", "--request-timeout", outageRequestTimeout.String())
	cmd.Env = withoutCivicgraphEnv()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &serving{
		cmd: cmd, stderr: &bytes.Buffer{}, exited: make(chan error, 1),
		client: &http.Client{Timeout: outageRequestTimeout + 5*time.Second},
	}
	cmd.Stderr = p.stderr // read only once Wait has returned
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		err := <-p.exited
		p.exited <- err
		if t.Failed() {
			t.Logf("log of serve (pid %d, %v):\n%s", cmd.Process.Pid, err, p.stderr)
		}
	})
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	timeout := time.After(30 * time.Second)
	for p.public == "" || p.admin == "" {
		select {
		case line, open := <-lines:
			if !open {
				t.Fatal("serve closed its output before saying where it listens")
			}
			if m := publicLine.FindStringSubmatch(line); m != nil {
				p.public = m[1]
			} else if m := adminLine.FindStringSubmatch(line); m != nil {
				p.admin = m[1]
			}
		case <-timeout:
			t.Fatal("serve did not say where it listens in time")
		}
	}
	go func() {
		for range lines {
		}
	}()
	return p
}

// withoutCivicgraphEnv is the test's environment without the variables
// that would set serve's flags: the command line says everything.
func withoutCivicgraphEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CIVICGRAPH_") {
			env = append(env, kv)
		}
	}
	return env
}

// get fetches url and returns its status and body.
func (p *serving) get(ctx context.Context, t *testing.T, url string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.client.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return res.StatusCode, body
}

// graphql posts one operation to /graphql, with key as bearer credential
// unless it is empty. It is safe for concurrent use.
func (p *serving) graphql(ctx context.Context, key, query string, vars map[string]any) answer {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.public+"/graphql", bytes.NewReader(body))
	if err != nil {
		return answer{err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	res, err := p.client.Do(req)
	if err != nil {
		return answer{err: err}
	}
	defer res.Body.Close()
	a := answer{status: res.StatusCode, retryAfter: res.Header.Get("Retry-After")}
	if a.body, err = io.ReadAll(res.Body); err != nil {
		return answer{err: err}
	}
	if err := json.Unmarshal(a.body, &a); err != nil {
		a.err = fmt.Errorf("%d, not JSON: %v: %s", a.status, err, a.body)
	}
	return a
}

// exitedEarly reports whether serve has exited.
func (p *serving) exitedEarly() bool {
	select {
	case err := <-p.exited:
		p.exited <- err
		return true
	default:
		return false
	}
}

// stop interrupts serve, as Ctrl-C would, and requires a clean exit in
// time and a log without data races.
func (p *serving) stop(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.exited:
		p.exited <- err
		if err != nil {
			t.Errorf("serve exited with %v", err)
		}
	case <-time.After(40 * time.Second):
		_ = p.cmd.Process.Signal(syscall.SIGQUIT) // its goroutines, in the log
		t.Fatal("serve did not stop in time")
	}
	if strings.Contains(p.stderr.String(), "DATA RACE") {
		t.Errorf("data race in serve:\n%s", p.stderr)
	}
}

// buildServeBinary builds civicgraph into dir, with the race detector when
// the tests have it.
func buildServeBinary(dir string) (string, error) {
	bin := filepath.Join(dir, "civicgraph")
	args := []string{"build", "-o", bin}
	if raceEnabled {
		args = append(args, "-race")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("no go command to build civicgraph with: %w", err)
	}
	out, err := exec.Command(gobin, append(args, "github.com/civicgraph/civicgraph/cmd/civicgraph")...).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
}

// runCivicgraph runs one command of the binary and returns its standard
// output, failing the test unless it succeeds.
func runCivicgraph(t *testing.T, bin, stdin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = withoutCivicgraphEnv()
	cmd.Stdin = strings.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("civicgraph %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return string(out)
}
