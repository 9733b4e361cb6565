package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/civicgraph/civicgraph/internal/store"
)

// The variables scripts/replica-pair.sh sets to run the replica tests
// against the primary and hot standby it built, instead of the pair
// NewPair builds: the URLs of both servers' postgres database, and the
// standby's data directory (its log is standby.log and its socket
// directory sock-standby beside it), which the tests stop and start.
const (
	EnvTestPrimary     = "CIVICGRAPH_TEST_PRIMARY_URL"
	EnvTestReplica     = "CIVICGRAPH_TEST_REPLICA_URL"
	EnvTestReplicaData = "CIVICGRAPH_TEST_REPLICA_DATA"
)

// Pair is a PostgreSQL primary and a hot standby streaming from it over a
// physical replication slot: real read replicas on demand. The standby
// can be stopped and started; the primary is the test's to write to.
type Pair struct {
	t       testing.TB
	primary string   // the primary's postgres database
	replica string   // the standby's postgres database
	standby *Cluster // what stops and starts the standby
}

// standbySlot is the replication slot the standby streams from: the
// primary keeps the WAL it has not received, so a stopped standby catches
// up when it starts again.
const standbySlot = "civicgraph_standby"

// NewPair returns a primary and a hot standby: from the environment
// (EnvTestPrimary, EnvTestReplica, EnvTestReplicaData) when the script
// that built them set it, else built here as scripts/replica-pair.sh
// does — initdb (whose wal_level is replica and whose pg_hba allows
// replication from the loopback), pg_basebackup -R with a slot, both
// started on free ports — and stopped and removed when the test ends.
// It returns once the standby streams.
func NewPair(t testing.TB) *Pair {
	t.Helper()
	if p := externalPair(t); p != nil {
		return p
	}
	primary := NewCluster(t)
	primary.Start()
	standby := &Cluster{t: t, bin: primary.bin, runAs: primary.runAs, port: freePort(t)}
	base := t.TempDir()
	standby.data = filepath.Join(base, "standby")
	standby.sock = filepath.Join(base, "sock-standby")
	standby.log = filepath.Join(base, "standby.log")
	for _, dir := range []string{standby.data, standby.sock} {
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(standby.log, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if standby.runAs != "" {
		chownTo(t, standby.runAs, filepath.Dir(base), base, standby.data, standby.sock, standby.log)
	}
	standby.run("pg_basebackup", "-d", fmt.Sprintf("host=127.0.0.1 port=%d user=postgres", primary.port),
		"-D", standby.data, "-R", "-X", "stream", "-C", "-S", standbySlot, "-c", "fast", "--no-sync")
	t.Cleanup(func() {
		if standby.running {
			standby.Stop("immediate")
		}
		if t.Failed() {
			if b, err := os.ReadFile(standby.log); err == nil {
				t.Logf("log of the test's standby:\n%s", b)
			}
		}
	})
	standby.Start()
	p := &Pair{t: t, primary: primary.URL(), replica: standby.URL(), standby: standby}
	p.waitStreaming()
	return p
}

// externalPair is the pair the environment names, nil when it names none.
func externalPair(t testing.TB) *Pair {
	primary, replica, data := os.Getenv(EnvTestPrimary), os.Getenv(EnvTestReplica), os.Getenv(EnvTestReplicaData)
	if primary == "" && replica == "" {
		return nil
	}
	if primary == "" || replica == "" || data == "" {
		t.Fatalf("set all of %s, %s and %s, or none", EnvTestPrimary, EnvTestReplica, EnvTestReplicaData)
	}
	u, err := url.Parse(replica)
	if err != nil {
		t.Fatalf("%s: %v", EnvTestReplica, err)
	}
	port, err := strconv.Atoi(u.Port())
	if err != nil {
		t.Fatalf("%s names no port: %v", EnvTestReplica, err)
	}
	bin := os.Getenv(EnvPostgresBin)
	if bin == "" {
		bin = DefaultPostgresBin
	}
	standby := &Cluster{t: t, bin: bin, port: port, data: data, running: true,
		sock: filepath.Join(filepath.Dir(data), "sock-standby"), log: filepath.Join(filepath.Dir(data), "standby.log")}
	if os.Geteuid() == 0 {
		standby.runAs = "postgres"
	}
	t.Cleanup(func() {
		if !standby.running {
			standby.Start() // the script's pair outlives the test
		}
	})
	p := &Pair{t: t, primary: primary, replica: replica, standby: standby}
	p.waitStreaming()
	return p
}

// chownTo gives paths to the OS user name, and lets it reach the first
// two (the temporary directories above them).
func chownTo(t testing.TB, name string, parent, base string, paths ...string) {
	t.Helper()
	u, err := user.Lookup(name)
	if err != nil {
		t.Fatalf("the standby needs the OS user %s: %v", name, err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	for _, dir := range []string{parent, base} {
		if err := os.Chmod(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range paths {
		if err := os.Chown(p, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
}

// PrimaryURL and StandbyURL are the servers' postgres databases.
func (p *Pair) PrimaryURL() string { return p.primary }
func (p *Pair) StandbyURL() string { return p.replica }

// StopStandby stops the standby (fast: sessions end, as in a planned
// restart); StartStandby starts it again and waits until it streams.
func (p *Pair) StopStandby() { p.standby.Stop("fast") }
func (p *Pair) StartStandby() {
	p.standby.Start()
	p.waitStreaming()
}

// NewDatabase creates an empty database on the primary and returns its
// URLs on the primary and on the standby, once the standby has it; it is
// dropped when the test ends.
func (p *Pair) NewDatabase(t testing.TB) (primaryURL, standbyURL string) {
	t.Helper()
	buf := make([]byte, 6)
	_, _ = rand.Read(buf)
	name := "civicgraph_replica_test_" + hex.EncodeToString(buf)
	adb := p.open(t, p.primary)
	if _, err := adb.Exec(context.Background(), "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create the test database: %v", err)
	}
	t.Cleanup(func() {
		// adb's own cleanup, registered before this one, runs after it.
		if _, err := adb.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop the test database %s: %v", name, err)
		}
	})
	primaryURL, standbyURL = withDatabase(t, p.primary, name), withDatabase(t, p.replica, name)
	p.WaitReplayed(t)
	return primaryURL, standbyURL
}

// WaitReplayed waits until the standby has replayed everything the
// primary has written so far.
func (p *Pair) WaitReplayed(t testing.TB) {
	t.Helper()
	ctx := context.Background()
	var lsn string
	if err := p.open(t, p.primary).Bun.DB.QueryRowContext(ctx, "SELECT pg_current_wal_lsn()::text").Scan(&lsn); err != nil {
		t.Fatalf("read the primary's WAL position: %v", err)
	}
	standby := p.open(t, p.replica)
	p.await(t, "the standby to replay "+lsn, func() (bool, error) {
		var done bool
		err := standby.Bun.DB.QueryRowContext(ctx, "SELECT COALESCE(pg_last_wal_replay_lsn() >= $1::pg_lsn, false)", lsn).Scan(&done)
		return done, err
	})
}

// waitStreaming waits until the standby receives the primary's WAL.
func (p *Pair) waitStreaming() {
	p.t.Helper()
	standby := p.open(p.t, p.replica)
	p.await(p.t, "the standby to stream from the primary", func() (bool, error) {
		var n int
		err := standby.Bun.DB.QueryRowContext(context.Background(), "SELECT count(*) FROM pg_stat_wal_receiver WHERE status = 'streaming'").Scan(&n)
		return n > 0, err
	})
}

// await polls done until it says so, for at most 30 s.
func (p *Pair) await(t testing.TB, what string, done func() (bool, error)) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var last error
	for time.Now().Before(deadline) {
		ok, err := done()
		if ok && err == nil {
			return
		}
		last = err
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("waited 30 s for %s; last error: %v", what, last)
}

// open connects to a URL of the pair, closed when the test ends.
func (p *Pair) open(t testing.TB, u string) *store.DB {
	t.Helper()
	db, err := store.OpenPool(u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// withDatabase is u naming the database name instead.
func withDatabase(t testing.TB, u, name string) string {
	t.Helper()
	pu, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	pu.Path = "/" + name
	return pu.String()
}
