package server_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/civicgraph/civicgraph/internal/auth"
	"github.com/civicgraph/civicgraph/internal/ingest"
	"github.com/civicgraph/civicgraph/internal/server"
	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/civicgraph/civicgraph/internal/storetest"
)

// A server on an SQLite file whose disk fills up: a mutation fails with
// UNAVAILABLE and a message saying the disk is full, so does a read of
// personal data (its reading must be recorded), other reads go on, and once
// there is room the same mutation succeeds, without a restart. The disk
// is a real small filesystem (storetest.MountSmallDisk).
func TestMutationOnAFullSQLiteDisk(t *testing.T) {
	ctx := context.Background()
	disk := storetest.MountSmallDisk(t, "16m")
	db, err := store.Open(ctx, "sqlite:"+filepath.Join(disk.View, "server.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx, 0); err != nil {
		t.Fatal(err)
	}
	s := serve(t, db, server.Config{})
	people := []map[string]any{
		{"type": "Community", "code": "C1", "name": "海珠社区", "kind": "URBAN", "region": "440300"},
		{"type": "Person", "code": "P-1", "name": "张三", "gender": "F", "birthYear": 1975, "community": "C1", "phone": "13800000000"},
	}
	if _, err := ingest.ImportLines(ctx, db, ingest.Slice(people), ingest.Options{}); err != nil {
		t.Fatal(err)
	}
	if s.keys["pii"], _, err = auth.Create(ctx, db, "pii", auth.Admin, auth.Scope{}, true); err != nil {
		t.Fatal(err)
	}
	if got := s.query("pii", `{ person(code: "P-1") { phone } }`).ok(t); !strings.Contains(string(got.Data), "13800000000") {
		t.Fatalf("a read of personal data: %s", got.Data) // and the key is known from now on
	}
	// An empty write-ahead log: any write needs new space.
	if _, err := db.Exec(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		t.Fatal(err)
	}
	const write = `mutation { upsertServiceCategory(input: {code: "FULL", name: "满"}) { code } }`
	disk.Fill(0)

	res := s.query("admin", write).result(t)
	if len(res.Errors) != 1 || res.Errors[0].Extensions["code"] != "UNAVAILABLE" ||
		!strings.Contains(res.Errors[0].Message, "cannot take writes now: its disk is full") {
		t.Errorf("a mutation on a full disk: %+v", res)
	}
	if got := s.query("admin", `{ region(code: "440300") { name } }`).ok(t); !strings.Contains(string(got.Data), "深圳市") {
		t.Errorf("a read on a full disk: %s", got.Data)
	}
	// A read of personal data is shown only once it is recorded (package
	// accesslog), a write: it waits for room too.
	pii := s.query("pii", `{ person(code: "P-1") { phone } }`).result(t)
	if len(pii.Errors) != 1 || pii.Errors[0].Extensions["code"] != "UNAVAILABLE" || strings.Contains(string(pii.Data), "13800000000") {
		t.Errorf("a read of personal data on a full disk: %+v %s", pii.Errors, pii.Data)
	}
	if n := storetest.QueryInt(t, db, "SELECT count(*) FROM service_categories WHERE code = 'FULL'"); n != 0 {
		t.Error("the failed mutation left its category")
	}

	disk.Free()
	if got := s.query("admin", write).ok(t); !strings.Contains(string(got.Data), `"FULL"`) {
		t.Errorf("the mutation once there is room: %s", got.Data)
	}
}
