package store_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/civicgraph/civicgraph/internal/apperr"
	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/civicgraph/civicgraph/internal/storetest"
)

// An SQLite store whose disk fills up or is read-only, as `serve` would
// meet it. A write fails with UNAVAILABLE and a message that says what is
// wrong, nothing of it is left, reads go on, PRAGMA integrity_check
// passes, and once the disk takes writes again the same write succeeds, on
// the same open store. The disk is a real small filesystem (tmpfs, mounted
// for the test: the tests run as root), so the failures are the kernel's
// ENOSPC and EROFS, not simulated ones.
//
// The disk fills up under the open store. It is read-only when the store
// opens, as a container's volume mounted read-only (a read-only bind
// mount) is: Linux refuses to make a mount read-only while a file on it is
// open for writing ("mount point is busy"), which SQLite's are, so a disk
// cannot turn read-only under an open store short of the kernel doing it
// after an I/O error. SQLite reads a WAL database on a read-only mount
// only while its -shm file exists, that is while a connection with write
// access keeps it open (here the test's own, through the writable mount,
// as another process sharing the file would); without one, the store
// cannot even open.
func TestSQLiteDiskRefusesWrites(t *testing.T) {
	for _, fault := range []struct {
		name, reason string
		atOpen       bool // the disk is broken before the store opens
		break_, mend func(d *storetest.SmallDisk)
	}{
		{"full", "disk is full", false, func(d *storetest.SmallDisk) { d.Fill(0) }, (*storetest.SmallDisk).Free},
		{"read-only", "read-only", true, func(d *storetest.SmallDisk) { d.RemountView("ro") }, func(d *storetest.SmallDisk) { d.RemountView("rw") }},
	} {
		t.Run(fault.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			disk := storetest.MountSmallDisk(t, "16m")
			url := "sqlite:" + filepath.Join(disk.View, "civicgraph.db")
			db := openFaultStore(ctx, t, url)
			if err := writeCategories(ctx, db, "BASE", 1); err != nil {
				t.Fatal(err)
			}
			// An empty write-ahead log: the write below needs new space
			// (SQLite reuses a log's pages once they are checkpointed).
			if _, err := db.Exec(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
				t.Fatal(err)
			}
			if fault.atOpen {
				holdOpen(t, filepath.Join(disk.Dir, "civicgraph.db")) // keeps the -shm file
				db.Close()
				fault.break_(disk)
				db = openFaultStore(ctx, t, url)
			} else {
				fault.break_(disk)
			}

			err := writeCategories(ctx, db, "FAULT", 2000)
			if err == nil {
				t.Fatal("the write succeeded on a disk that refuses writes")
			}
			t.Logf("write: %v", err)
			if code := apperr.CodeOf(err); code != apperr.Unavailable {
				t.Errorf("code %s, want UNAVAILABLE: %v", code, err)
			}
			if msg := apperr.MessageOf(err); !strings.Contains(msg, "cannot take writes now") || !strings.Contains(msg, fault.reason) {
				t.Errorf("message %q does not say that the disk is %s", msg, fault.name)
			}
			if strings.Contains(err.Error(), "INSERT") || strings.Contains(err.Error(), "(13)") || strings.Contains(err.Error(), "(8)") {
				t.Errorf("the error shows SQL or the driver's text: %v", err)
			}
			// Reads go on, and nothing of the write is there.
			if n := storetest.QueryInt(t, db, "SELECT count(*) FROM service_categories"); n != 1 {
				t.Errorf("%d categories after the failed write, want the 1 from before", n)
			}
			checkIntegrity(t, db)

			fault.mend(disk)
			if err := writeCategories(ctx, db, "FAULT", 2000); err != nil {
				t.Fatalf("the write after the disk was mended: %v", err)
			}
			if n := storetest.QueryInt(t, db, "SELECT count(*) FROM service_categories"); n != 2001 {
				t.Errorf("%d categories after the write, want 2001", n)
			}
			checkIntegrity(t, db)
		})
	}
}

// openFaultStore opens and migrates the store at url, closed when the
// test ends.
func openFaultStore(ctx context.Context, t *testing.T, url string) *store.DB {
	t.Helper()
	db, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx, 0); err != nil {
		t.Fatal(err)
	}
	return db
}

// writeCategories writes n service categories in one transaction, each
// with a kilobyte of name: n = 2000 needs a few MB, more than a full disk
// has, less than the test's disk.
func writeCategories(ctx context.Context, db *store.DB, prefix string, n int) error {
	return db.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
			INSERT INTO service_categories (code, name) SELECT ? || '-' || i, printf('%01000d', i) FROM n`, n, prefix)
		return err
	})
}

func checkIntegrity(t *testing.T, db *store.DB) {
	t.Helper()
	rows, err := db.Query(context.Background(), "PRAGMA integrity_check")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		got = append(got, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] != "ok" {
		t.Errorf("PRAGMA integrity_check: %q", got)
	}
}

// envHold names the variable that makes the test binary a process that
// holds an SQLite file open (TestHoldSQLiteOpen).
const envHold = "CIVICGRAPH_TEST_HOLD_SQLITE"

// holdOpen keeps an SQLite connection to path open, through another
// process, until the test ends. Another process: SQLite keeps the files
// of a connection that a process closes open while another connection of
// that process to the same file holds a lock (POSIX locks belong to the
// process), which would keep the disk busy.
func holdOpen(t *testing.T, path string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHoldSQLiteOpen$")
	cmd.Env = append(os.Environ(), envHold+"="+path)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr // read only once Wait has returned
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		if err := cmd.Wait(); err != nil {
			t.Errorf("the process holding %s: %v: %s", path, err, stderr.String())
		}
	})
	holding := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		found := false
		for sc.Scan() {
			if !found && sc.Text() == "holding" {
				found = true
				holding <- true
			}
		}
		if !found {
			holding <- false
		}
	}()
	select {
	case ok := <-holding:
		if !ok {
			t.Fatalf("the process to hold %s ended", path)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("the process holding %s did not say so in time", path)
	}
}

// TestHoldSQLiteOpen is holdOpen's other process, when envHold names a
// file; otherwise there is nothing to do.
func TestHoldSQLiteOpen(t *testing.T) {
	path := os.Getenv(envHold)
	if path == "" {
		return
	}
	db, err := store.Open(context.Background(), "sqlite:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	storetest.QueryInt(t, db, "SELECT count(*) FROM service_categories")
	fmt.Println("holding")
	_, _ = io.Copy(io.Discard, os.Stdin) // until the test closes it
}
