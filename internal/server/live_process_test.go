package server_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/civicgraph/civicgraph/internal/storetest"
)

// raceEnabled is whether this test binary runs with the race detector
// (race_test.go).
var raceEnabled bool

// Live updates across server processes: two `civicgraph serve` processes
// on one PostgreSQL database; a client subscribed to one receives what is
// written through the other, which only the database connects them by.
// At shutdown the subscriber's connection is closed and the process exits
// cleanly.
func TestSubscriptionsAcrossProcesses(t *testing.T) {
	start := time.Now()
	bin := buildCivicgraph(t)
	t.Logf("built in %s", time.Since(start).Round(time.Millisecond))
	url := storetest.NewPostgresDatabase(t)
	civicgraph(t, bin, url, "", "migrate")
	civicgraph(t, bin, url, `{"type":"Region","code":"440300","name":"深圳市","level":"CITY"}
{"type":"Community","code":"C1","name":"海珠社区","kind":"URBAN","region":"440300"}
`, "import", "-")
	out := strings.Fields(civicgraph(t, bin, url, "", "apikey", "create", "--name", "writer", "--role", "ADMIN"))
	key := out[len(out)-1] // alone on the last line
	a, b := startServe(t, bin, url), startServe(t, bin, url)

	c := mustDialWS(t, a.url, nil)
	c.initBearer(key)
	c.subscribe("live", `subscription { serviceRecorded { code } }`, nil)
	// Nothing tells a client when its subscription has started (writes
	// committed before then are not sent), so write through B until A
	// delivers one of those writes; from then on A must deliver every one.
	deadline := time.Now().Add(wsWait)
	for i := 0; ; i++ {
		if time.Now().After(deadline) {
			t.Fatalf("process A delivered none of %d records written through process B", i)
		}
		b.record(t, key, fmt.Sprintf("SR-WARM-%d", i))
		m, err := c.messageWithin("live", time.Second)
		if errors.Is(err, errNoMessage) {
			continue
		}
		if err != nil || m.Type != "next" || !strings.Contains(string(m.Payload), "SR-WARM-") {
			t.Fatalf("waiting for a warm-up record: %s %s %v", m.Type, m.Payload, err)
		}
		t.Logf("process A delivered %s after %d writes through process B", m.Payload, i+1)
		break
	}
	b.record(t, key, "SR-CROSS-1")
	for {
		code := codeOf(c.next("live"), "serviceRecorded").(string)
		if code == "SR-CROSS-1" {
			break
		}
		if !strings.HasPrefix(code, "SR-WARM-") {
			t.Fatalf("unexpected record %s", code)
		}
	}

	t.Logf("delivered across processes %s after the start", time.Since(start).Round(time.Millisecond))
	a.stop(t)
	// The subscription may be completed ("complete") before the connection
	// closes, depending on which the shutdown reaches first; either way the
	// connection must end.
	for {
		m, err := c.read(wsWait)
		if err == nil && m.Type == "complete" {
			continue
		}
		if err == nil || errors.Is(err, errNoMessage) {
			t.Fatalf("the subscriber's connection outlived its server: %v %s %s", err, m.Type, m.Payload)
		}
		break
	}
}

// buildCivicgraph builds the civicgraph binary once per test, with the race
// detector when the tests have it.
func buildCivicgraph(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "civicgraph")
	args := []string{"build", "-o", bin}
	if raceEnabled {
		args = append(args, "-race")
	}
	cmd := exec.Command(goTool(t), append(args, "github.com/civicgraph/civicgraph/cmd/civicgraph")...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// goTool is the go command that runs these tests.
func goTool(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	p, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		t.Fatalf("no go command: %v", err)
	}
	return filepath.Join(strings.TrimSpace(string(p)), "bin", "go")
}

// civicgraph runs one command against the database and returns its
// standard output, failing the test unless it succeeds.
func civicgraph(t *testing.T, bin, url, stdin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "CIVICGRAPH_DATABASE_URL="+url)
	cmd.Stdin = strings.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("civicgraph %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return string(out)
}

// process is a running `civicgraph serve`.
type process struct {
	cmd    *exec.Cmd
	url    string        // its GraphQL endpoint
	stderr *bytes.Buffer // its log, shown when the test fails
	exited chan error
}

var listening = regexp.MustCompile(`listening on (http://\S+)/ `)

// startServe starts `civicgraph serve` on a free port and waits until it
// listens. It is killed when the test ends, if it has not stopped.
func startServe(t *testing.T, bin, url string) *process {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--listen", "127.0.0.1:0", "--rate-limit", "-1")
	cmd.Env = append(os.Environ(), "CIVICGRAPH_DATABASE_URL="+url)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd, stderr: &bytes.Buffer{}, exited: make(chan error, 1)}
	cmd.Stderr = p.stderr // read only once Wait has returned
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.exited
		if t.Failed() {
			t.Logf("log of serve pid %d:\n%s", cmd.Process.Pid, p.stderr)
		}
	})
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
				break
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case addr := <-found:
		p.url = addr + "/graphql"
	case err := <-p.exited:
		p.exited <- err
		t.Fatalf("serve exited: %v", err)
	case <-time.After(wsWait):
		t.Fatal("serve did not start listening in time")
	}
	return p
}

// record writes one service record through the process's recordServices
// mutation, over HTTP, with key.
func (p *process) record(t *testing.T, key, code string) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{
		"query": `mutation($in: [ServiceRecordInput!]!, $key: String!) { recordServices(input: $in, idempotencyKey: $key) { count } }`,
		"variables": map[string]any{"key": code, "in": []any{map[string]any{
			"code": code, "community": "C1", "occurredAt": "2024-01-01T10:00:00+08:00", "peopleServed": 2,
		}}},
	})
	req, err := http.NewRequest(http.MethodPost, p.url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+key)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("recordServices %s: %v", code, err)
	}
	defer res.Body.Close()
	answer, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK || bytes.Contains(answer, []byte(`"errors"`)) {
		t.Fatalf("recordServices %s: %d %s", code, res.StatusCode, answer)
	}
}

// stop interrupts the process, as Ctrl-C would, and requires it to exit
// cleanly in time.
func (p *process) stop(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.exited:
		p.exited <- err
		if err != nil {
			t.Fatalf("serve exited with %v", err)
		}
	case <-time.After(wsWait):
		t.Fatal("serve did not stop in time")
	}
}
