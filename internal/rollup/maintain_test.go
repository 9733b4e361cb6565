package rollup_test

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/civicgraph/civicgraph/internal/ingest"
	"github.com/civicgraph/civicgraph/internal/rollup"
	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/civicgraph/civicgraph/internal/storetest"
)

// A first import fills every roll-up exactly, periods cut in Shanghai's
// real history on both stores; archiving some of the rows keeps them exact.
func TestImportFillsRollups(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		ls := world(1, 400, 40)
		importLines(t, db, ls)
		requireExact(t, db, "after the import")
		archive(t, db, "service_records", codesOf(ls, "ServiceRecord", 7, 3), true)
		archive(t, db, "demands", codesOf(ls, "Demand", 5, 0), true)
		requireExact(t, db, "after archiving some records and demands")
		for _, tb := range rollup.Tables {
			if n := count(t, db, "SELECT COUNT(*) FROM "+tb.Name); n == 0 {
				t.Errorf("%s is empty", tb.Name)
			}
		}
		for _, m := range []string{"1900-07", "1945-07", "1988-08", "2024-01", "2023-12"} {
			if n := count(t, db, "SELECT COUNT(*) FROM "+rollup.CommunityMonth.Name+" WHERE month = ?", m); n == 0 {
				t.Errorf("no roll-up row in %s", m)
			}
		}
	})
}

// ndjson renders lines as an import file, in the given order.
func ndjson(t *testing.T, ls []line) *bytes.Reader {
	var b bytes.Buffer
	for _, l := range ls {
		j, err := json.Marshal(l)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(j)
		b.WriteByte('\n')
	}
	return bytes.NewReader(b.Bytes())
}

// A re-import that changes records (community, category, time, people,
// resolved, event) and demands, its lines in reverse order, leaves the
// roll-ups exact: the touched keys, old and new, are recounted, and only
// those. A sentinel row under a key nothing touches shows that the small
// change was recounted key by key, not rebuilt.
func TestReimportKeepsRollupsExact(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		ls := world(2, 400, 40)
		importLines(t, db, ls)
		requireExact(t, db, "after the first import")
		// Archived rows among those the re-import recounts: they stay out.
		archive(t, db, "service_records", codesOf(ls, "ServiceRecord", 50, 13), true)
		archive(t, db, "demands", codesOf(ls, "Demand", 10, 5), true)
		requireExact(t, db, "after archiving some records and demands")
		sentinel := "INSERT INTO " + rollup.AllianceMonth.Name +
			" (region_path, month, alliance_id, records, people_served, resolved) VALUES ('/999/', '2030-01', NULL, 1, 1, 0)"
		if _, err := db.Exec(ctx, sentinel); err != nil {
			t.Fatal(err)
		}

		r := rand.New(rand.NewPCG(9, 9))
		var changed []line
		for i, l := range ls {
			if l["type"] != "ServiceRecord" || i%50 != 7 {
				continue
			}
			c := maps(l)
			switch len(changed) % 6 {
			case 0:
				c["community"] = pick(r, "C1", "C2", "C3", "C4", "CD")
			case 1:
				delete(c, "category")
			case 2:
				c["category"] = pick(r, "A", "B1")
			case 3:
				c["occurredAt"] = time.Date(2019+r.IntN(6), time.Month(1+r.IntN(12)), 1, 0, 0, 0, 0, cst).Format(time.RFC3339)
			case 4:
				c["peopleServed"], c["resolved"] = 40+r.IntN(5), !c["resolved"].(bool)
			default:
				c["event"] = "EV2"
			}
			changed = append(changed, c)
		}
		changed = append(changed,
			line{"type": "Demand", "code": "D-001", "community": "CD", "title": "改", "raisedAt": "2023-03-01T10:00:00+08:00", "status": "CLOSED"},
			line{"type": "Demand", "code": "D-002", "community": "C1", "title": "改", "raisedAt": "2023-03-01T10:00:00+08:00", "status": "OPEN"},
			record(r, 1000), record(r, 1001),
		)
		slices.Reverse(changed)
		if _, err := ingest.Import(ctx, db, ndjson(t, changed), ingest.Options{}); err != nil {
			t.Fatal(err)
		}
		requireOnlySentinel(t, db, "after re-importing changed records", true)

		// An event's kind changes: its records move to another event_kind.
		ev := []line{{"type": "ServiceEvent", "code": "EV1", "kind": "TRAINING", "title": "培训", "community": "C1"}}
		if _, err := ingest.Import(ctx, db, ndjson(t, ev), ingest.Options{}); err != nil {
			t.Fatal(err)
		}
		requireOnlySentinel(t, db, "after changing an event's kind", false)
		if n := count(t, db, "SELECT COUNT(*) FROM "+rollup.CommunityMonth.Name+" WHERE event_kind = 'MARKET'"); n != 0 {
			t.Errorf("%d roll-up rows still file EV1's records under MARKET", n)
		}
		// The same file again changes nothing, and the roll-ups stay exact.
		if _, err := ingest.Import(ctx, db, ndjson(t, changed), ingest.Options{}); err != nil {
			t.Fatal(err)
		}
		requireOnlySentinel(t, db, "after importing the same file again", false)
	})
}

// Importing the same file again, whether as it was written or in another
// order and after archiving some of its rows, changes no row, so it notes no
// roll-up key and recounts nothing: a roll-up row corrupted under a key of
// the file's records stays corrupted (any recount of its key would repair
// it), and the change feed gets no entry.
func TestReimportRecountsNothing(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		ls := world(8, 600, 60)
		if _, err := ingest.Import(ctx, db, ndjson(t, ls), ingest.Options{}); err != nil {
			t.Fatal(err)
		}
		requireExact(t, db, "after the first import")
		archive(t, db, "service_records", codesOf(ls, "ServiceRecord", 40, 3), true)
		corrupt := "UPDATE " + rollup.RegionMonth.Name + " SET records = records + 1000 WHERE month = (SELECT MIN(month) FROM " + rollup.RegionMonth.Name + ")"
		if _, err := db.Exec(ctx, corrupt); err != nil {
			t.Fatal(err)
		}
		feed := count(t, db, "SELECT COUNT(*) FROM changes")
		again := slices.Clone(ls)
		slices.Reverse(again)
		for _, file := range [][]line{ls, again} {
			if _, err := ingest.Import(ctx, db, ndjson(t, file), ingest.Options{}); err != nil {
				t.Fatal(err)
			}
			diffs, err := rollup.Verify(ctx, db)
			if err != nil {
				t.Fatal(err)
			}
			if len(diffs) == 0 {
				t.Error("the corrupted roll-up row was recounted")
			}
			for _, d := range diffs {
				if d.Table != rollup.RegionMonth.Name || d.RollUp == nil || d.Base == nil || d.RollUp[0] != d.Base[0]+1000 {
					t.Errorf("after importing the same lines again: %s", d)
				}
			}
		}
		if n := count(t, db, "SELECT COUNT(*) FROM changes"); n != feed {
			t.Errorf("the change feed grew from %d to %d entries, though nothing changed", feed, n)
		}
	})
}

// requireOnlySentinel fails the test when a roll-up differs from the base
// tables anywhere but at the sentinel's key; and, when must, if the
// sentinel is gone.
func requireOnlySentinel(t *testing.T, db *store.DB, when string, must bool) {
	t.Helper()
	diffs, err := rollup.Verify(ctx, db)
	if err != nil {
		t.Fatalf("%s: verify: %v", when, err)
	}
	seen := false
	for _, d := range diffs {
		if d.Table == rollup.AllianceMonth.Name && strings.HasPrefix(d.Key, "region_path=/999/ month=2030-01") {
			seen = true
			continue
		}
		t.Errorf("%s: %s", when, d)
	}
	if must && !seen {
		t.Errorf("%s: the sentinel row is gone: the roll-ups were rebuilt, not recounted by key", when)
	}
}

func maps(l line) line {
	c := line{}
	for k, v := range l {
		c[k] = v
	}
	return c
}

// Moving a community to another street, and a street to another district
// (which renames the region paths of everything under it), moves their
// records and demands in the roll-ups.
func TestMovesKeepRollupsExact(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		importLines(t, db, world(3, 300, 30))
		byStreet := func(code string) int {
			return count(t, db, "SELECT COALESCE(SUM(x.records), 0) FROM "+rollup.RegionMonth.Name+
				" x JOIN regions r ON r.path = x.region_path WHERE r.code = ?", code)
		}
		s1, s3 := byStreet("S1"), byStreet("S3")
		c2 := count(t, db, "SELECT COUNT(*) FROM service_records sr JOIN communities c ON c.id = sr.community_id WHERE c.code = 'C2'")

		importLines(t, db, []line{{"type": "Community", "code": "C2", "name": "社区C2", "kind": "URBAN", "region": "S3"}})
		requireExact(t, db, "after moving C2 to S3")
		if byStreet("S1") != s1-c2 || byStreet("S3") != s3+c2 {
			t.Errorf("S1 %d → %d, S3 %d → %d; want %d records moved", s1, byStreet("S1"), s3, byStreet("S3"), c2)
		}

		importLines(t, db, []line{{"type": "Region", "code": "S2", "name": "二街", "level": "STREET", "parent": "D2"}})
		requireExact(t, db, "after moving S2 to D2")
		stale := count(t, db, "SELECT COUNT(*) FROM "+rollup.CommunityMonth.Name+" x WHERE NOT EXISTS (SELECT 1 FROM regions r WHERE r.path = x.region_path)")
		if stale != 0 {
			t.Errorf("%d roll-up rows under a region path that no longer exists", stale)
		}
	})
}

// Refresh recounts exactly the keys it is given, which is what a mutation
// will call: a corrupted row of a touched key is recounted, one of another
// key is left alone (Refresh did not rebuild everything).
func TestRefreshRecountsTouchedKeys(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		importLines(t, db, world(4, 400, 0))
		var path string
		var community int64
		rows, err := db.Query(ctx, "SELECT r.path, c.id FROM regions r JOIN communities c ON c.region_id = r.id WHERE c.code = 'C1'")
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			rows.Scan(&path, &community) //nolint:errcheck
		}
		rows.Close()
		corrupt := "UPDATE " + rollup.RegionMonth.Name + " SET records = records + 100 WHERE region_path = ? AND month = ?"
		for _, m := range []string{"2022-03", "2022-04"} {
			if _, err := db.Exec(ctx, corrupt, path, m); err != nil {
				t.Fatal(err)
			}
		}
		var c rollup.Changes
		c.ServiceRecord(community, path, time.Date(2022, 3, 15, 12, 0, 0, 0, cst))
		err = db.InTx(ctx, func(tx *store.Tx) error { return rollup.Refresh(ctx, tx, &c) })
		if err != nil {
			t.Fatal(err)
		}
		diffs, err := rollup.Verify(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, d := range diffs {
			keys = append(keys, d.Table+" "+d.Key)
		}
		if len(diffs) == 0 || slices.ContainsFunc(keys, func(k string) bool { return strings.Contains(k, "2022-03") }) ||
			!slices.ContainsFunc(keys, func(k string) bool { return strings.Contains(k, "month=2022-04") }) {
			t.Errorf("after refreshing 2022-03 only, differences: %v", keys)
		}
	})
}

// Verify names every kind of corruption, and Rebuild repairs it (with
// archived rows in the store, which neither counts).
func TestVerifyFindsAndRebuildRepairs(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		ls := world(5, 200, 20)
		importLines(t, db, ls)
		archive(t, db, "service_records", codesOf(ls, "ServiceRecord", 6, 1), true)
		archive(t, db, "demands", codesOf(ls, "Demand", 3, 2), true)
		requireExact(t, db, "after the import")
		for _, stmt := range []string{
			"UPDATE " + rollup.RegionMonth.Name + " SET records = records + 1 WHERE month = (SELECT MIN(month) FROM " + rollup.RegionMonth.Name + ")",
			"DELETE FROM " + rollup.CommunityDay.Name + " WHERE day = (SELECT MAX(day) FROM " + rollup.CommunityDay.Name + ")",
			"INSERT INTO " + rollup.AllianceMonth.Name + " (region_path, month, alliance_id, records, people_served, resolved) VALUES ('/999/', '2030-01', NULL, 1, 1, 0)",
			"INSERT INTO " + rollup.DemandStatus.Name + " SELECT * FROM " + rollup.DemandStatus.Name + " WHERE status = 'OPEN'",
		} {
			if _, err := db.Exec(ctx, stmt); err != nil {
				t.Fatalf("%s: %v", stmt, err)
			}
		}
		diffs, err := rollup.Verify(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		found := map[string]bool{}
		for _, d := range diffs {
			switch {
			case d.Table == rollup.RegionMonth.Name && d.RollUp != nil && d.Base != nil && d.RollUp[0] == d.Base[0]+1:
				found["wrong"] = true
			case d.Table == rollup.CommunityDay.Name && d.RollUp == nil && d.Base != nil:
				found["missing"] = true
			case d.Table == rollup.AllianceMonth.Name && d.Base == nil && strings.Contains(d.Key, "region_path=/999/") && strings.Contains(d.Key, "alliance_id=NULL"):
				found["extra"] = true
			case d.Table == rollup.DemandStatus.Name && d.Copies == 2 && strings.Contains(d.Key, "status=OPEN"):
				found["twice"] = true
			default:
				t.Errorf("unexpected difference: %s", d)
			}
		}
		if len(found) != 4 {
			t.Errorf("found %v among %v; want wrong, missing, extra and twice", found, diffs)
		}
		if err := db.InTx(ctx, func(tx *store.Tx) error { return rollup.Rebuild(ctx, tx) }); err != nil {
			t.Fatal(err)
		}
		requireExact(t, db, "after the rebuild")
	})
}

// The migration that creates the roll-ups fills them from what a store
// already holds.
func TestMigrationFillsRollups(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		importLines(t, db, world(6, 300, 30))
		for _, tb := range rollup.Tables {
			if _, err := db.Exec(ctx, "DROP TABLE "+tb.Name); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.Exec(ctx, "DELETE FROM bun_migrations WHERE name = '0002'"); err != nil {
			t.Fatal(err)
		}
		applied, err := db.Migrate(ctx, 0)
		if err != nil || len(applied) != 1 {
			t.Fatalf("migrate: %v %v", applied, err)
		}
		requireExact(t, db, "after the migration")
		if n := count(t, db, "SELECT COUNT(*) FROM "+rollup.CommunityMonth.Name); n == 0 {
			t.Error("the migration left the roll-ups empty")
		}
	})
}

// Two PostgreSQL transactions recounting the same key one after the other
// (the second waiting for the first to commit) leave it counted once.
func TestConcurrentRefreshes(t *testing.T) {
	db := storetest.Open(t, store.Postgres)
	importLines(t, db, world(7, 300, 0))
	var path string
	var codes []string
	rows, err := db.Query(ctx, "SELECT region_path, code FROM service_records WHERE region_path = (SELECT region_path FROM service_records WHERE code = 'SR-0010') ORDER BY code LIMIT 2")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var code string
		rows.Scan(&path, &code) //nolint:errcheck
		codes = append(codes, code)
	}
	rows.Close()
	// Both transactions change records of the same street and month.
	touch := func(tx *store.Tx, code string) (*rollup.Changes, error) {
		var c rollup.Changes
		at := time.Date(2022, 5, 10, 12, 0, 0, 0, cst)
		_, err := tx.Exec(ctx, "UPDATE service_records SET occurred_at = ?, people_served = people_served + 1 WHERE code = ?", at, code)
		c.Path(path)
		return &c, err
	}
	aDone, bWaiting := make(chan struct{}), make(chan struct{})
	errs := make(chan error, 2)
	go func() {
		errs <- db.InTx(ctx, func(tx *store.Tx) error {
			c, err := touch(tx, codes[0])
			if err == nil {
				err = rollup.Refresh(ctx, tx, c)
			}
			close(aDone)
			<-bWaiting
			time.Sleep(200 * time.Millisecond) // let B block on the roll-ups
			return err
		})
	}()
	go func() {
		<-aDone
		errs <- db.InTx(ctx, func(tx *store.Tx) error {
			c, err := touch(tx, codes[1])
			close(bWaiting)
			if err != nil {
				return err
			}
			return rollup.Refresh(ctx, tx, c)
		})
	}()
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	requireExact(t, db, "after two concurrent recounts")
}
