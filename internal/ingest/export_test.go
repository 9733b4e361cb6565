package ingest

import (
	"strings"
	"testing"

	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/civicgraph/civicgraph/internal/storetest"
)

// Export → import into an empty store → export gives the same bytes, on
// both backends; and both backends export the same bytes for the same data.
func TestExportRoundTrip(t *testing.T) {
	exports := map[store.Dialect]string{}
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		mustImport(t, db, fixture)
		// Give the ids gaps and an order unlike the codes', so that the
		// second store's ids differ from the first's.
		mustImport(t, db, update)
		first := exportText(t, db)
		if strings.Count(first, "\n") != 38 {
			t.Errorf("export has %d lines, want 38:\n%s", strings.Count(first, "\n"), first)
		}
		other := storetest.Open(t, db.Dialect())
		mustImport(t, other, first)
		if second := exportText(t, other); second != first {
			t.Errorf("export after re-import differs:\n%s\nwant\n%s", second, first)
		}
		checkPaths(t, other)
		exports[db.Dialect()] = first

		// Only some types, in dependency order whatever the order asked.
		some := exportText(t, db, "ServiceRecord", "Region")
		if !strings.HasPrefix(some, `{"type":"Region"`) || strings.Count(some, "\n") != 8 {
			t.Errorf("export of two types:\n%s", some)
		}
		if err := Export(ctx, db, &strings.Builder{}, []string{"Nope"}); err == nil || !strings.Contains(err.Error(), `unknown type "Nope"`) {
			t.Errorf("unknown type: err = %v", err)
		}
	})
	if exports[store.SQLite] != exports[store.Postgres] {
		t.Errorf("the backends export different text:\n%s\n---\n%s", exports[store.SQLite], exports[store.Postgres])
	}
}

// Pages are keyset pages: more rows than a page, each exported once.
func TestExportPages(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		mustImport(t, db, fixture)
		var b strings.Builder
		n := exportPage*2 + 17
		for i := range n {
			b.WriteString(`{"type":"ServiceRecord","code":"SR-P` + itoa(i) + `","community":"C1","occurredAt":"2022-06-01T10:00:00+08:00"}` + "\n")
		}
		mustImport(t, db, b.String())
		out := exportText(t, db, "ServiceRecord")
		if got := strings.Count(out, "\n"); got != n+2 {
			t.Errorf("%d service records exported, want %d", got, n+2)
		}
		other := storetest.Open(t, db.Dialect())
		mustImport(t, other, exportText(t, db))
		if exportText(t, other, "ServiceRecord") != out {
			t.Errorf("paged export does not round-trip")
		}
	})
}
