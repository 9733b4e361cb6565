package changes_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/civicgraph/civicgraph/internal/changes"
	"github.com/civicgraph/civicgraph/internal/ingest"
	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/civicgraph/civicgraph/internal/storetest"
)

var ctx = context.Background()

// Commit numbers runs of consecutive ids as ranges and scattered ids as
// lists, the same way: every noted row once, in id order, gap-free, and a
// tombstone under the path readers last saw first for each row that moved
// since its last change, whichever way it was selected.
func TestCommitNumbersRangesAndLists(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		var b strings.Builder
		b.WriteString(`{"type":"Region","code":"R1","name":"一","level":"STREET"}` + "\n")
		b.WriteString(`{"type":"Region","code":"R2","name":"二","level":"STREET"}` + "\n")
		b.WriteString(`{"type":"Community","code":"C1","name":"社区","kind":"URBAN","region":"R1"}` + "\n")
		for i := range 300 {
			fmt.Fprintf(&b, `{"type":"ServiceRecord","code":"SR-%03d","community":"C1","occurredAt":"2024-05-01T09:30:00+08:00"}`+"\n", i)
		}
		if _, err := ingest.Import(ctx, db, strings.NewReader(b.String()), ingest.Options{}); err != nil {
			t.Fatal(err)
		}
		var ids []int64
		rows, err := db.Query(ctx, "SELECT id FROM service_records ORDER BY id")
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id int64
			rows.Scan(&id) //nolint:errcheck
			ids = append(ids, id)
		}
		rows.Close()
		old := path(t, db, "R1")
		moved := []int64{ids[10], ids[150], ids[250]}
		for _, id := range moved {
			if _, err := db.Exec(ctx, "UPDATE service_records SET region_path = ? WHERE id = ?", path(t, db, "R2"), id); err != nil {
				t.Fatal(err)
			}
		}
		var p changes.Pending
		noted := append(slices.Clone(ids[200:300]), ids[150], ids[152], ids[150])
		noted = append(noted, ids[:100]...)
		p.Add("ServiceRecord", noted...)
		before, err := changes.Last(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		var r changes.Range
		err = db.InTx(ctx, func(tx *store.Tx) error {
			r, err = changes.Commit(ctx, tx, &p, time.Now())
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if r.First != before+1 || r.Last != before+202+3 {
			t.Errorf("range %+v after %d; want 202 changes and 3 tombstones", r, before)
		}
		type change struct {
			id       int64
			op, path string
		}
		var got []change
		rows, err = db.Query(ctx, "SELECT entity_id, operation, region_path FROM changes WHERE sequence > ? ORDER BY sequence", before)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var c change
			rows.Scan(&c.id, &c.op, &c.path) //nolint:errcheck
			got = append(got, c)
		}
		rows.Close()
		var want []change
		for _, id := range moved {
			want = append(want, change{id, store.ChangeArchive, old})
		}
		want2 := slices.Concat(ids[:100], []int64{ids[150], ids[152]}, ids[200:300])
		for _, id := range want2 {
			c := change{id, store.ChangeUpsert, old}
			if slices.Contains(moved, id) {
				c.path = path(t, db, "R2")
			}
			want = append(want, c)
		}
		if !slices.Equal(got, want) {
			t.Errorf("changes\n%v\nwant\n%v", got, want)
		}
	})
}

func path(t *testing.T, db *store.DB, region string) string {
	t.Helper()
	rows, err := db.Query(ctx, "SELECT path FROM regions WHERE code = ?", region)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var p string
	for rows.Next() {
		rows.Scan(&p) //nolint:errcheck
	}
	return p
}
