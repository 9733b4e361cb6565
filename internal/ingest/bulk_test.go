package ingest

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/civicgraph/civicgraph/internal/storetest"
)

// An import that fills service_records from empty (building its indexes
// after the rows on SQLite) leaves the table with every index it had, and
// one that fails leaves it empty, with them too.
func TestImportFillsEmptyTableWithItsIndexes(t *testing.T) {
	const n = bulkMin + 500
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		want := storetest.Indexes(t, db, "service_records", true)
		var file bytes.Buffer
		if err := writeRecords(&file, 0, n); err != nil {
			t.Fatal(err)
		}
		bad := strings.Replace(file.String(), `"community":"GC-7"`, `"community":"GC-NONE"`, 1)
		_, err := Import(ctx, db, strings.NewReader(bad), Options{})
		var lerr *LineErrors
		if !errors.As(err, &lerr) || len(lerr.Errors) != 1 || lerr.Errors[0].Line != 8 {
			t.Fatalf("import with an unknown community: %v", err)
		}
		if got := storetest.Indexes(t, db, "service_records", true); got != want {
			t.Errorf("after a failed import, indexes\n%s\nwant\n%s", got, want)
		}
		if got := queryInt(t, db, "SELECT count(*) FROM service_records"); got != 0 {
			t.Errorf("a failed import left %d records", got)
		}

		mustImport(t, db, file.String())
		if got := storetest.Indexes(t, db, "service_records", true); got != want {
			t.Errorf("after the import, indexes\n%s\nwant\n%s", got, want)
		}
		if got, want := queryInt(t, db, "SELECT count(*) FROM service_records WHERE community_id = (SELECT id FROM communities WHERE code = 'GC-7')"), (n-7+genCommunities-1)/genCommunities; got != want {
			t.Errorf("%d records of GC-7, want %d", got, want)
		}
		// More records into the table that has rows now: written row by row.
		var more bytes.Buffer
		if err := writeRecords(&more, n, 100); err != nil {
			t.Fatal(err)
		}
		mustImport(t, db, more.String())
		if got := queryInt(t, db, "SELECT count(*) FROM service_records"); got != n+100 {
			t.Errorf("%d records, want %d", got, n+100)
		}
	})
}

// The writer of an import drops the indexes of an empty table that grows,
// on SQLite, when enough lines of it will come (or it cannot tell), and
// finish builds them again; a mutation's writer, or one expecting few
// lines, leaves them.
func TestWriterDefersIndexes(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	want := storetest.Indexes(t, db, "service_records", true)
	e := byType["ServiceRecord"]
	for _, c := range []struct {
		bulk   bool
		expect int
		drops  bool
	}{{true, bulkMin, true}, {true, -1, true}, {true, bulkMin - 1, false}, {false, -1, false}} {
		err := db.InTx(ctx, func(tx *store.Tx) error {
			w := newWriter(ctx, tx, newProblems(0), &Report{ByType: map[string]int{}}, nil)
			w.bulk, w.expect[e.index] = c.bulk, c.expect
			if err := w.deferIndexes(e); err != nil {
				return err
			}
			if dropped := storetest.Indexes(t, tx, "service_records", true) == ""; dropped != c.drops {
				t.Errorf("bulk %v, %d lines expected: indexes dropped %v, want %v", c.bulk, c.expect, dropped, c.drops)
			}
			return w.finish()
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := storetest.Indexes(t, db, "service_records", true); got != want {
			t.Errorf("bulk %v, %d lines expected: indexes after\n%s\nwant\n%s", c.bulk, c.expect, got, want)
		}
	}
}
