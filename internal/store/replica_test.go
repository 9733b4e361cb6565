package store_test

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/civicgraph/civicgraph/internal/storetest"
)

// SQLite has no replicas; PostgreSQL takes postgres:// URLs only, and
// never shows their passwords in its errors.
func TestOpenReplicasRefuses(t *testing.T) {
	sqlite := storetest.Open(t, store.SQLite)
	if err := sqlite.OpenReplicas([]string{"postgres://civic@127.0.0.1:1/civic"}, store.ReplicaOptions{}); err == nil || !strings.Contains(err.Error(), "replicas need PostgreSQL") {
		t.Errorf("SQLite with a replica: %v; want an error saying that replicas need PostgreSQL", err)
	}
	if sqlite.HasReplicas() || sqlite.Replicas() != nil {
		t.Errorf("a refused replica was kept")
	}
	pg := storetest.Open(t, store.Postgres)
	for _, u := range []string{"sqlite:replica.db", "postgres://civic:hunter2@127.0.0.1:1/civic?sslmode=nonsense"} {
		err := pg.OpenReplicas([]string{u}, store.ReplicaOptions{})
		if err == nil || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("replica %s: %v; want an error without the password", u, err)
		}
	}
	if pg.HasReplicas() {
		t.Errorf("a refused replica was kept")
	}
}

// Without replicas, and with none in service, ReadOnly reads come from the
// primary: a replica that does not answer, and a server that is no
// standby (the primary itself, named as a replica), are skipped and say
// why.
func TestReadOnlyFallsBackToThePrimary(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		p0, r0 := db.Reads()
		readRegions(t, db)
		if p, r := db.Reads(); p != p0+1 || r != r0 {
			t.Errorf("without replicas: %d primary and %d replica reads; want one primary read", p-p0, r-r0)
		}
	})
	db := storetest.Open(t, store.Postgres)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "postgres://postgres:hunter2@" + ln.Addr().String() + "/postgres?sslmode=disable"
	ln.Close()
	if err := db.OpenReplicas([]string{closed, db.URL}, store.ReplicaOptions{CheckEvery: 20 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		rs := db.Replicas()
		if !rs[0].CheckedAt.IsZero() && !rs[1].CheckedAt.IsZero() {
			if rs[0].Healthy || rs[1].Healthy || rs[0].Error == "" || !strings.Contains(rs[1].Error, "not a standby") ||
				strings.Contains(rs[0].URL, "hunter2") || !strings.Contains(rs[0].URL, "postgres:***@") {
				t.Errorf("replica states %+v", rs)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the replicas were never checked: %+v", rs)
		}
		time.Sleep(10 * time.Millisecond)
	}
	p0, _ := db.Reads()
	readRegions(t, db)
	if p, r := db.Reads(); p != p0+1 || r != 0 {
		t.Errorf("with no replica in service: %d primary and %d replica reads; want %d and 0", p, r, p0+1)
	}
	if err := db.Close(); err != nil { // stops the checks: the race detector and leak checks see it
		t.Fatal(err)
	}
}

// readRegions runs one ReadOnly query.
func readRegions(t *testing.T, db *store.DB) {
	t.Helper()
	rows, err := db.Query(store.ReadOnly(context.Background(), 0), "SELECT count(*) FROM regions")
	if err != nil {
		t.Fatal(err)
	}
	rows.Close()
}

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://civic:hunter2@db:5432/civic?sslmode=disable": "postgres://civic:***@db:5432/civic?sslmode=disable",
		"postgres://civic@db/civic?password=hunter2":             "postgres://civic@db/civic?password=***",
		"postgres://db/civic":                                    "postgres://db/civic",
		"postgresql://a%40b:pw@h1,h2/civic":                      "postgresql://a%40b:***@h1,h2/civic",
	} {
		if got := store.RedactURL(in); got != want {
			t.Errorf("RedactURL(%s) = %s; want %s", in, got, want)
		}
	}
}
