package ingest

import (
	"fmt"

	"github.com/civicgraph/civicgraph/internal/store"
)

// The first import into an empty store, or of a year of records into a
// store that has none yet, fills service_records from nothing. Updating its
// dozen indexes row by row is then most of the import's time on SQLite;
// building each once from all the rows takes about half as long. So when an
// import (not a mutation) starts writing a table that grows (entity.grows)
// and finds it empty, it drops the table's secondary indexes inside its
// transaction and creates them again in finish, before anything else reads
// the table (store.DeferIndexes: SQLite only, where no reader can see the
// table without them; PostgreSQL keeps them). Rows written meanwhile are
// found by code, whose UNIQUE index stays. An import that says how many
// lines of the type it will write (Import does, after its first pass) does
// this only for at least bulkMin of them, where it pays.

// bulkMin is the fewest lines of a type for which Import builds the
// indexes after the rows.
const bulkMin = 10_000

// deferIndexes drops the indexes of e's table when this import fills it
// from empty; asked at e's first write.
func (w *writer) deferIndexes(e *entity) error {
	if !w.bulk || !e.grows || w.rebuild[e.index] != nil || w.dial != store.SQLite {
		return nil
	}
	if n := w.expect[e.index]; n >= 0 && n < bulkMin {
		return nil
	}
	had, err := w.hadRows(e)
	if err != nil || had {
		return err
	}
	rebuild, err := store.DeferIndexes(w.ctx, w.q, e.table)
	if err != nil {
		return err
	}
	w.rebuild[e.index] = rebuild
	return nil
}

// buildIndexes creates the indexes deferIndexes dropped.
func (w *writer) buildIndexes() error {
	for i, rebuild := range w.rebuild {
		if rebuild == nil {
			continue
		}
		w.prog.phase("indexing", -1, "")
		if err := rebuild(w.ctx); err != nil {
			return fmt.Errorf("index %s: %w", entities[i].table, err)
		}
		w.rebuild[i] = nil
	}
	return nil
}
