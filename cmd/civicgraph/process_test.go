package main

// The helpers of the tests that run the real binary: build it, start
// `civicgraph serve`, talk GraphQL to it, stop it.

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
	"syscall"
	"testing"
	"time"
)

// raceEnabled is whether this test binary runs with the race detector
// (race_test.go): the serve binary is then built with it too.
var raceEnabled bool

// serveRequestTimeout is serve's --request-timeout in these tests: no
// request may take longer, outage or not (the client allows a margin).
const serveRequestTimeout = 5 * time.Second

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
// ports, and extra flags, and waits until it says where they are. It is
// killed when the test ends, if it has not stopped.
func startServing(t *testing.T, bin, url string, extra ...string) *serving {
	t.Helper()
	return startServingEnv(t, bin, url, nil, extra...)
}

// startServingEnv is startServing with env ("NAME=value") added to serve's
// environment.
func startServingEnv(t *testing.T, bin, url string, env []string, extra ...string) *serving {
	t.Helper()
	args := []string{"serve", "--database", url, "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0",
		"--rate-limit", "-1", "--response-cache-mb", "0", "--request-timeout", serveRequestTimeout.String()}
	cmd := exec.Command(bin, append(args, extra...)...)
	cmd.Env = append(withoutCivicgraphEnv(), env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &serving{
		cmd: cmd, stderr: &bytes.Buffer{}, exited: make(chan error, 1),
		client: &http.Client{Timeout: serveRequestTimeout + 5*time.Second},
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
// that would set serve's flags or turn its tracing on: the command line
// (and what a test adds) says everything.
func withoutCivicgraphEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CIVICGRAPH_") && !strings.HasPrefix(kv, "OTEL_") {
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
		a.err = fmt.Errorf("%d, a half answer: %w", a.status, err)
		return a
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
	p.stopWith(t, os.Interrupt)
}

// terminate is stop with SIGTERM, as an orchestrator would send.
func (p *serving) terminate(t *testing.T) {
	t.Helper()
	p.stopWith(t, syscall.SIGTERM)
}

func (p *serving) stopWith(t *testing.T, sig os.Signal) {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
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
