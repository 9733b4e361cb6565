package main

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// SQLite has no replicas: serve says so and stops before it listens.
func TestServeRefusesReplicasOnSQLite(t *testing.T) {
	clearConfigEnv(t)
	db := "sqlite:" + filepath.Join(t.TempDir(), "replica.db")
	code, _, stderr := cli(t, "", "serve", "--database", db, "--listen", "127.0.0.1:0", "--replica-url", "postgres://civic@127.0.0.1:1/civic")
	if code != 2 || !strings.Contains(stderr, "replicas need PostgreSQL") {
		t.Errorf("exit %d, stderr %q; want 2 saying that replicas need PostgreSQL", code, stderr)
	}
}

// --replica-url repeats, $CIVICGRAPH_REPLICA_URL lists URLs separated by
// commas, and civicgraph config shows them with their passwords hidden.
func TestReplicaURLSettings(t *testing.T) {
	clearConfigEnv(t)
	got := effectiveSettings(t, "serve", "--replica-url", "postgres://civic:pw1@r1/civic", "--replica-url", "postgres://civic@r2/civic?password=pw2")
	if want := "postgres://civic:***@r1/civic,postgres://civic@r2/civic?password=***  # flag"; got["replica-url"] != want {
		t.Errorf("flags: replica-url = %s; want %s", got["replica-url"], want)
	}
	t.Setenv("CIVICGRAPH_REPLICA_URL", "postgres://civic:pw1@r1/civic, postgresql://civic:pw2@r2,r3/civic")
	t.Setenv("CIVICGRAPH_REPLICA_MAX_LAG", "3s")
	code, out, stderr := cli(t, "", "config", "serve")
	if code != 0 || strings.Contains(out+stderr, "pw1") || strings.Contains(out+stderr, "pw2") {
		t.Fatalf("exit %d; a password shows:\n%s%s", code, out, stderr)
	}
	got = effectiveSettings(t, "serve")
	if want := "postgres://civic:***@r1/civic,postgresql://civic:***@r2,r3/civic  # env CIVICGRAPH_REPLICA_URL"; got["replica-url"] != want {
		t.Errorf("env: replica-url = %s; want %s", got["replica-url"], want)
	}
	if want := "3s  # env CIVICGRAPH_REPLICA_MAX_LAG"; got["replica-max-lag"] != want {
		t.Errorf("env: replica-max-lag = %s; want %s", got["replica-max-lag"], want)
	}
}

func TestReplicaURLsSplitWhereAURLBegins(t *testing.T) {
	var r replicaURLs
	for _, v := range []string{"postgres://a/db,postgresql://b,c/db", "postgres://d/db?options=x,y"} {
		if err := r.Set(v); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"postgres://a/db", "postgresql://b,c/db", "postgres://d/db?options=x,y"}
	if !slices.Equal(r.urls, want) {
		t.Errorf("urls %q; want %q", r.urls, want)
	}
	if err := r.Set(""); err != nil || len(r.urls) != 0 {
		t.Errorf("an empty value leaves %q (%v); want none", r.urls, err)
	}
}
