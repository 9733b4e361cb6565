package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/civicgraph/civicgraph/internal/storetest"
)

// `civicgraph import` onto an SQLite file whose disk is full: the import
// fails with a message that says so, and what to do, without SQL, driver
// codes or a stack trace; nothing of it is left, the file passes PRAGMA
// integrity_check, and once there is room the same import succeeds. The
// disk is a real small filesystem (storetest.MountSmallDisk).
func TestImportOntoAFullDisk(t *testing.T) {
	disk := storetest.MountSmallDisk(t, "16m")
	url := "sqlite:" + filepath.Join(disk.View, "cli.db")
	if code, _, stderr := cli(t, good, "import", "--database", url, "-"); code != 0 {
		t.Fatalf("import before the disk is full: %d %s", code, stderr)
	}
	records := serviceRecordLines(3000)
	disk.Fill(256 << 10) // room to open the file, not for the records
	code, stdout, stderr := cli(t, records, "import", "--database", url, "-")
	t.Logf("import onto the full disk: exit %d\n%s%s", code, stdout, stderr)
	if code != 1 || !strings.Contains(stderr, "the database cannot take writes now: its disk is full") {
		t.Errorf("import onto a full disk: exit %d, stderr %q; want 1 and a message saying the disk is full", code, stderr)
	}
	for _, leak := range []string{"INSERT", "SELECT", "goroutine", "(13)", "SQLITE", "panic"} {
		if strings.Contains(stderr, leak) {
			t.Errorf("the import's error shows %q: %s", leak, stderr)
		}
	}

	disk.Free()
	db, err := store.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if n := storetest.QueryInt(t, db, "SELECT count(*) FROM service_records"); n != 1 {
		t.Errorf("%d service records after the failed import, want the 1 from before", n)
	}
	if got := integrityCheck(t, db); got != "ok" {
		t.Errorf("PRAGMA integrity_check after the failed import: %s", got)
	}
	if code, _, stderr := cli(t, records, "import", "--database", url, "-"); code != 0 {
		t.Fatalf("import once there is room: %d %s", code, stderr)
	}
	if n := storetest.QueryInt(t, db, "SELECT count(*) FROM service_records"); n != 3001 {
		t.Errorf("%d service records after the import, want 3001", n)
	}
}

// serviceRecordLines is n service records of the community and category
// of good, as NDJSON.
func serviceRecordLines(n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, `{"type":"ServiceRecord","code":"SR-FULL-%06d","community":"C1","category":"HAIRCUT","occurredAt":"2022-06-%02dT10:00:00+08:00","peopleServed":%d,"resolved":true}`+"\n", i, 1+i%28, i%7)
	}
	return b.String()
}

// integrityCheck is what PRAGMA integrity_check says: "ok", or its
// findings.
func integrityCheck(t *testing.T, db *store.DB) string {
	t.Helper()
	rows, err := db.Query(context.Background(), "PRAGMA integrity_check")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var found []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		found = append(found, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(found, "\n")
}
