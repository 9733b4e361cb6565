package ingest

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/civicgraph/civicgraph/internal/storetest"
)

// people is a street, a community and n people living there (P-0, ...).
func people(n int) string {
	var b strings.Builder
	b.WriteString(`{"type":"Region","code":"R","name":"街道","level":"STREET"}` + "\n")
	b.WriteString(`{"type":"Community","code":"C","name":"社区","kind":"URBAN","region":"R"}` + "\n")
	for i := range n {
		fmt.Fprintf(&b, `{"type":"Person","code":"P-%d","name":"居民","community":"C"}`+"\n", i)
	}
	return b.String()
}

// Once an import has looked up wholeAfter codes of a type batch by batch,
// the resolver reads that type's table whole: every row is then cached,
// archived ones marked so, and codes of no row still resolve to nothing.
func TestResolverReadsSmallTablesWhole(t *testing.T) {
	const n = wholeAfter + 1000
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		mustImport(t, db, people(n+1))
		archived := fmt.Sprintf("P-%d", n)
		if _, err := db.Exec(ctx, "UPDATE people SET archived_at = ? WHERE code = ?", time.Now(), archived); err != nil {
			t.Fatal(err)
		}
		e := byType["Person"]
		r := newResolver(db)
		codes := func(from, to int) []string {
			var out []string
			for i := from; i < to; i++ {
				out = append(out, fmt.Sprintf("P-%d", i))
			}
			return out
		}
		if err := r.load(ctx, e, codes(0, 100)); err != nil {
			t.Fatal(err)
		}
		if len(r.caches[e.index]) != 100 || r.whole[e.index] {
			t.Fatalf("after 100 codes: %d cached, whole %v", len(r.caches[e.index]), r.whole[e.index])
		}
		if err := r.load(ctx, e, append(codes(100, wholeAfter), "P-NONE")); err != nil {
			t.Fatal(err)
		}
		if len(r.caches[e.index]) != n+1 || !r.whole[e.index] {
			t.Fatalf("after %d codes: %d cached, whole %v; want all %d", wholeAfter, len(r.caches[e.index]), r.whole[e.index], n+1)
		}
		last, ok := r.get(e, fmt.Sprintf("P-%d", n-1))
		if want := queryInt(t, db, "SELECT id FROM people WHERE code = ?", fmt.Sprintf("P-%d", n-1)); !ok || last.id != int64(want) {
			t.Errorf("a code never asked for: %v %v, want id %d", last, ok, want)
		}
		if tg, _ := r.get(e, archived); !tg.archived {
			t.Error("an archived person is not marked archived")
		}
		if _, ok := r.get(e, "P-NONE"); ok {
			t.Error("a code of no row resolved")
		}

		// An import naming them all finds the same: each record its
		// recipient, and a line error for an unknown or archived one.
		var b strings.Builder
		for i := range n + 2 {
			recipient := fmt.Sprintf("P-%d", i)
			switch i {
			case n:
				recipient = "P-NONE"
			case n + 1:
				recipient = archived
			}
			fmt.Fprintf(&b, `{"type":"ServiceRecord","code":"SR-%d","community":"C","occurredAt":"2024-05-01T09:30:00+08:00","recipient":"%s"}`+"\n", i, recipient)
		}
		_, err := Import(ctx, db, strings.NewReader(b.String()), Options{})
		var lerr *LineErrors
		if !errors.As(err, &lerr) || len(lerr.Errors) != 2 || lerr.Errors[0].Line != n+1 || lerr.Errors[1].Line != n+2 ||
			!strings.Contains(lerr.Errors[0].Reason, "unknown") || !strings.Contains(lerr.Errors[1].Reason, "archived") {
			t.Fatalf("import: %v", err)
		}
		lines := strings.SplitAfter(b.String(), "\n")
		mustImport(t, db, strings.Join(lines[:n], ""))
		wrong := queryInt(t, db, "SELECT count(*) FROM service_records sr JOIN people p ON p.id = sr.recipient_id WHERE substr(sr.code, 4) <> substr(p.code, 3)")
		if got := queryInt(t, db, "SELECT count(*) FROM service_records"); got != n || wrong != 0 {
			t.Errorf("%d records, %d with the wrong recipient; want %d, 0", got, wrong, n)
		}
	})
}
