package rollup

import (
	"io/fs"
	"strings"
	"testing"

	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/civicgraph/civicgraph/migrations"
)

// The migration that creates the roll-ups fills them with the statements
// Rebuild runs, literally: a change to how roll-ups are counted (or to the
// SQLite offsets of Asia/Shanghai) must be carried into it. All but the
// live conditions: migration 0002 ran before rows could be archived
// (0005 added archived_at), when every row was live.
func TestMigrationFillsAsRebuildDoes(t *testing.T) {
	for d, files := range map[store.Dialect]fs.FS{store.Postgres: migrations.Postgres, store.SQLite: migrations.SQLite} {
		text, err := fs.ReadFile(files, d.String()+"/0002_rollups.up.sql")
		if err != nil {
			t.Fatal(err)
		}
		for _, tb := range Tables {
			stmt, _ := fillRows(d, tb, nil, false)
			if !strings.Contains(string(text), stmt+";") {
				t.Errorf("%s: the migration does not fill %s with\n%s", d, tb.Name, stmt)
			}
		}
	}
}
