package storetest

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// EnvPostgresBin names the variable holding the directory of the PostgreSQL
// server binaries (initdb, pg_ctl) that NewCluster uses; unset, it is
// DefaultPostgresBin.
const EnvPostgresBin = "CIVICGRAPH_TEST_POSTGRES_BIN"

// DefaultPostgresBin is where Debian and Ubuntu install PostgreSQL 15.
const DefaultPostgresBin = "/usr/lib/postgresql/15/bin"

// Cluster is a PostgreSQL server of the test's own, which the test may
// stop, start and restart: an outage of the database on demand. It runs
// from the installed server binaries, in a temporary directory, on a free
// loopback port, with trust authentication for the user postgres.
type Cluster struct {
	t       testing.TB
	bin     string
	data    string // the data directory
	sock    string // the Unix socket directory
	log     string // the server's log
	port    int
	runAs   string // the OS user that runs the server ("" the test's own)
	running bool
}

// NewCluster creates a cluster (initdb), not yet running; it is stopped
// and removed when the test ends. The test fails if the binaries are
// missing: a test that needs a database outage never skips.
func NewCluster(t testing.TB) *Cluster {
	t.Helper()
	bin := os.Getenv(EnvPostgresBin)
	if bin == "" {
		bin = DefaultPostgresBin
	}
	for _, tool := range []string{"initdb", "pg_ctl", "postgres"} {
		if _, err := os.Stat(filepath.Join(bin, tool)); err != nil {
			t.Fatalf("the PostgreSQL server binaries are missing (%v): install PostgreSQL 15 or set %s", err, EnvPostgresBin)
		}
	}
	base := t.TempDir()
	c := &Cluster{
		t: t, bin: bin, port: freePort(t),
		data: filepath.Join(base, "data"), sock: filepath.Join(base, "sock"), log: filepath.Join(base, "server.log"),
	}
	if os.Geteuid() == 0 {
		// initdb refuses to run as root: the server runs as postgres,
		// which must reach the directory t.TempDir made for root alone.
		c.runAs = "postgres"
		u, err := user.Lookup(c.runAs)
		if err != nil {
			t.Fatalf("running as root, the cluster needs the OS user postgres: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		for _, dir := range []string{filepath.Dir(base), base} {
			if err := os.Chmod(dir, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		for _, dir := range []string{c.data, c.sock} {
			if err := os.Mkdir(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.Chown(dir, uid, gid); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(c.log, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(c.log, uid, gid); err != nil {
			t.Fatal(err)
		}
	} else if err := os.Mkdir(c.sock, 0o700); err != nil {
		t.Fatal(err)
	}
	c.run("initdb", "-D", c.data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync", "--no-instructions")
	t.Cleanup(func() {
		if c.running {
			c.Stop("immediate")
		}
		if t.Failed() {
			if b, err := os.ReadFile(c.log); err == nil {
				t.Logf("log of the test's PostgreSQL server:\n%s", b)
			}
		}
	})
	return c
}

// URL is the cluster's postgres database, for the user postgres.
func (c *Cluster) URL() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", c.port)
}

// Start starts the server and waits until it accepts connections.
func (c *Cluster) Start() {
	c.t.Helper()
	c.run("pg_ctl", "start", "-w", "-t", "60", "-D", c.data, "-l", c.log, "-o", c.options())
	c.running = true
}

// Stop stops the server: mode "fast" ends every session and shuts down
// cleanly, "immediate" as in a crash.
func (c *Cluster) Stop(mode string) {
	c.t.Helper()
	c.run("pg_ctl", "stop", "-w", "-t", "60", "-D", c.data, "-m", mode)
	c.running = false
}

// Restart stops the server in mode and starts it again.
func (c *Cluster) Restart(mode string) {
	c.t.Helper()
	c.run("pg_ctl", "restart", "-w", "-t", "60", "-D", c.data, "-l", c.log, "-m", mode, "-o", c.options())
	c.running = true
}

// options are the server's settings: its own port and socket directory,
// loopback only, and no waiting for the disk (fsync off: a test's data
// need not survive the machine's crash, only the server's).
func (c *Cluster) options() string {
	return fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c shared_buffers=16MB -c max_connections=50", c.port, c.sock)
}

// run runs one of the server's programs (as runAs, if set), failing the
// test with its output if it fails.
func (c *Cluster) run(tool string, args ...string) {
	c.t.Helper()
	path := filepath.Join(c.bin, tool)
	cmd := exec.Command(path, args...)
	if c.runAs != "" {
		cmd = exec.Command("runuser", append([]string{"-u", c.runAs, "--", path}, args...)...)
	}
	// pg_ctl's server outlives the command: it must not hold our pipe,
	// or waiting for the output would wait for the server. It writes to
	// the log (-l); what pg_ctl itself says goes to a file too.
	out, err := os.CreateTemp("", "pgcluster-*.out")
	if err != nil {
		c.t.Fatal(err)
	}
	defer os.Remove(out.Name())
	defer out.Close()
	cmd.Stdout, cmd.Stderr = out, out
	start := time.Now()
	err = cmd.Run()
	if err != nil {
		b, _ := os.ReadFile(out.Name())
		logText, _ := os.ReadFile(c.log)
		c.t.Fatalf("%s %v: %v\n%s\nserver log:\n%s", tool, args, err, bytes.TrimSpace(b), logText)
	}
	if tool == "pg_ctl" {
		c.t.Logf("pg_ctl %s: %s", args[0], time.Since(start).Round(time.Millisecond))
	}
}

// freePort returns a loopback TCP port that nothing listened on a moment
// ago.
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
