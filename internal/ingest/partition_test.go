package ingest

import (
	"fmt"
	"testing"
	"time"

	"github.com/civicgraph/civicgraph/internal/changes"
	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/civicgraph/civicgraph/internal/storetest"
)

// On PostgreSQL service_records is partitioned by month (migration 0007);
// these tests run on both stores, where the writers must behave alike.

const partitionWorld = `{"type":"Region","code":"R","name":"市","level":"CITY"}
{"type":"Community","code":"C","name":"社区","kind":"URBAN","region":"R"}
`

func recordLine(code, at string, served int) string {
	return fmt.Sprintf(`{"type":"ServiceRecord","code":%q,"community":"C","occurredAt":%q,"peopleServed":%d}`+"\n", code, at, served)
}

// partitionOf is the partition holding the record of code ("" on SQLite).
func partitionOf(t *testing.T, db *store.DB, code string) string {
	t.Helper()
	if db.Dialect() != store.Postgres {
		return ""
	}
	return queryString(t, db, "SELECT tableoid::regclass::text FROM service_records WHERE code = ?", code)
}

// A record of a month that has no partition yet is written, by an import
// and by a mutation's write: the writer creates the month.
func TestRecordOfAMonthWithoutPartition(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		if db.Dialect() == store.Postgres && queryInt(t, db, "SELECT count(*) FROM pg_class WHERE relname IN ('service_records_y2015m03', 'service_records_y2014m07')") != 0 {
			t.Fatal("the months exist before the test")
		}
		mustImport(t, db, partitionWorld+recordLine("SR-OLD", "2015-03-10T10:00:00+08:00", 1))
		err := db.InTx(ctx, func(tx *store.Tx) error {
			_, err := Write(ctx, tx, []map[string]any{{"type": "ServiceRecord", "code": "SR-OLDER", "community": "C",
				"occurredAt": "2014-07-01T07:00:00+08:00"}}, &changes.Pending{}) // 2014-06-30 23:00 UTC
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if n := queryInt(t, db, "SELECT count(*) FROM service_records WHERE code IN ('SR-OLD', 'SR-OLDER')"); n != 2 {
			t.Fatalf("%d records written", n)
		}
		if db.Dialect() == store.Postgres {
			for code, want := range map[string]string{"SR-OLD": "service_records_y2015m03", "SR-OLDER": "service_records_y2014m06"} {
				if got := partitionOf(t, db, code); got != want {
					t.Errorf("%s is in %q, want %q (UTC months)", code, got, want)
				}
			}
		}
	})
}

// A code stays one record whatever month its occurredAt moves to, and a
// second record of it is refused, by the writers and by plain SQL alike.
func TestCodeUniqueAcrossMonths(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		mustImport(t, db, partitionWorld+recordLine("SR-1", "2022-01-15T10:00:00+08:00", 1)+recordLine("SR-2", "2022-02-15T10:00:00+08:00", 1))
		id := queryInt(t, db, "SELECT id FROM service_records WHERE code = 'SR-1'")
		moved := recordLine("SR-1", "2022-05-15T10:00:00+08:00", 9)
		mustImport(t, db, moved)
		check := func(when, month string, served int) {
			t.Helper()
			if n := queryInt(t, db, "SELECT count(*) FROM service_records WHERE code = 'SR-1'"); n != 1 {
				t.Fatalf("%s: %d records of SR-1", when, n)
			}
			if got := queryInt(t, db, "SELECT id FROM service_records WHERE code = 'SR-1'"); got != id {
				t.Errorf("%s: SR-1 has id %d, was %d", when, got, id)
			}
			if got := queryInt(t, db, "SELECT people_served FROM service_records WHERE code = 'SR-1'"); got != served {
				t.Errorf("%s: people served %d, want %d", when, got, served)
			}
			if db.Dialect() == store.Postgres {
				if got := partitionOf(t, db, "SR-1"); got != "service_records_"+month {
					t.Errorf("%s: SR-1 is in %s, want service_records_%s", when, got, month)
				}
				if n := queryInt(t, db, `SELECT count(*) FROM service_record_codes k JOIN service_records sr
ON sr.id = k.id AND sr.occurred_at = k.occurred_at AND sr.code = k.code`); n != 2 {
					t.Errorf("%s: %d keys match their records, want 2", when, n)
				}
			}
		}
		check("moved to May", "y2022m05", 9)
		// The same line again rewrites nothing: no change is numbered.
		feedBefore := queryInt(t, db, "SELECT count(*) FROM changes WHERE code = 'SR-1'")
		mustImport(t, db, moved)
		if n := queryInt(t, db, "SELECT count(*) FROM changes WHERE code = 'SR-1'"); n != feedBefore {
			t.Errorf("importing the same line again numbered %d changes", n-feedBefore)
		}
		// Plain SQL cannot add a second SR-1, in another month or the same.
		for _, at := range []time.Time{time.Date(2022, 1, 20, 0, 0, 0, 0, time.UTC), time.Date(2022, 5, 20, 0, 0, 0, 0, time.UTC)} {
			_, err := db.Exec(ctx, "INSERT INTO service_records (code, community_id, occurred_at) SELECT 'SR-1', id, ? FROM communities", at)
			if err == nil {
				t.Errorf("a second SR-1 at %s was accepted", at)
			}
		}
		// Plain SQL moving the record: the key follows, the upsert still
		// finds the one row.
		if _, err := db.Exec(ctx, "UPDATE service_records SET occurred_at = ? WHERE code = 'SR-1'", time.Date(2022, 1, 3, 0, 0, 0, 0, time.UTC)); err != nil {
			t.Fatal(err)
		}
		check("moved back by SQL", "y2022m01", 9)
		mustImport(t, db, recordLine("SR-1", "2022-02-03T10:00:00+08:00", 4))
		check("moved to February", "y2022m02", 4)
	})
}

// Two writers of the same new code at once: the second waits for the
// first to commit, then updates its row. One record, the second's values,
// the first's id.
func TestConcurrentWritersOfANewCode(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		mustImport(t, db, partitionWorld)
		write := func(at string, served int) func(*store.Tx) error {
			return func(tx *store.Tx) error {
				_, err := Write(ctx, tx, []map[string]any{{"type": "ServiceRecord", "code": "SR-NEW", "community": "C",
					"occurredAt": at, "peopleServed": served}}, &changes.Pending{})
				return err
			}
		}
		firstWrote, release := make(chan struct{}), make(chan struct{})
		firstDone, secondDone := make(chan error, 1), make(chan error, 1)
		go func() {
			firstDone <- db.InTx(ctx, func(tx *store.Tx) error {
				err := write("2023-03-10T10:00:00+08:00", 1)(tx)
				close(firstWrote)
				<-release
				return err
			})
		}()
		<-firstWrote
		go func() { secondDone <- db.InTx(ctx, write("2023-08-10T10:00:00+08:00", 2)) }()
		if db.Dialect() == store.Postgres {
			// The second waits on the first's lock of the code.
			for i := 0; queryInt(t, db, "SELECT count(*) FROM pg_locks WHERE NOT granted") == 0; i++ {
				if i == 1000 {
					t.Fatal("the second writer never waited for the first")
				}
				time.Sleep(10 * time.Millisecond)
			}
		} // SQLite: the second cannot even begin before the first commits.
		select {
		case err := <-secondDone:
			t.Fatalf("the second writer finished before the first committed: %v", err)
		default:
		}
		close(release)
		if err := <-firstDone; err != nil {
			t.Fatalf("first writer: %v", err)
		}
		if err := <-secondDone; err != nil {
			t.Fatalf("second writer: %v", err)
		}
		if n := queryInt(t, db, "SELECT count(*) FROM service_records WHERE code = 'SR-NEW'"); n != 1 {
			t.Fatalf("%d records of SR-NEW", n)
		}
		if got := queryInt(t, db, "SELECT people_served FROM service_records WHERE code = 'SR-NEW'"); got != 2 {
			t.Errorf("people served %d, want the second writer's 2", got)
		}
		if db.Dialect() == store.Postgres {
			if got := partitionOf(t, db, "SR-NEW"); got != "service_records_y2023m08" {
				t.Errorf("SR-NEW is in %s, want the second writer's month", got)
			}
			if n := queryInt(t, db, "SELECT count(*) FROM service_record_codes WHERE code = 'SR-NEW'"); n != 1 {
				t.Errorf("%d keys of SR-NEW", n)
			}
		}
	})
}
