package ingest

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/civicgraph/civicgraph/internal/auth"
	"github.com/civicgraph/civicgraph/internal/changes"
	"github.com/civicgraph/civicgraph/internal/rollup"
	"github.com/civicgraph/civicgraph/internal/store"
)

// Roll-ups (package rollup) change in the import's own transaction. The
// writer notes the roll-up keys of every row it changes, as they were and
// as they become: the community, region path and local month of every
// service record, the path of every demand, the keys of the records of an
// event whose kind changes, and every path a moved community or region
// leaves or reaches. Once the last line is written, rollup.Refresh
// recounts those keys, each once; a first import into an empty store, or
// one spanning most keys, rebuilds instead.
//
// Only rows the upsert changed are noted: it returns exactly those (a row
// whose values are the same is not rewritten), so re-importing a file
// notes nothing and recounts nothing. Their keys as they were come from the
// store: on PostgreSQL from the upsert itself, which reads the batch's
// stored rows in the snapshot before its own writes (upsert.go); on
// SQLite, which has no such statement, from a look-up by code before the
// upsert, made only when the table had rows before this import — rows this
// import wrote earlier were noted when they were written.

// rollupNotes is the writer's record of what roll-ups must recount.
type rollupNotes struct {
	changes rollup.Changes
	// stored says, per table, whether it had rows before this import wrote
	// any; asked once, before the first write to it.
	stored map[string]bool
	// before holds, by code, what the batch's stored rows were filed under
	// (on SQLite every stored row of the batch, on PostgreSQL those the
	// upsert changed); written, by code, the ids of the rows it changed.
	before  map[string]stored
	written map[string]int64
}

// stored is what a stored row of a roll-up source is filed under.
type stored struct {
	community int64
	path      string
	at        time.Time
	kind      string
}

// feedsRollups says whether rows of e are a roll-up's source.
func feedsRollups(e *entity) bool { return len(e.rollupColumns()) > 0 }

// rollupColumns are the columns of e that the roll-ups file its rows by,
// in the order stored.set reads them; none when e feeds no roll-up.
func (e *entity) rollupColumns() []string {
	switch e.name {
	case "ServiceRecord":
		return []string{"community_id", "region_path", "occurred_at"}
	case "Demand":
		return []string{"region_path"}
	case "ServiceEvent":
		return []string{"kind"}
	}
	return nil
}

// set reads the rollupColumns values of a row of e; it says false when they
// are NULL: the row did not exist.
func (s *stored) set(e *entity, vals []any) (bool, error) {
	if vals[0] == nil {
		return false, nil
	}
	switch e.name {
	case "ServiceRecord":
		id, ok := vals[0].(int64)
		if !ok {
			return false, fmt.Errorf("read the stored community of a service record: unexpected %T", vals[0])
		}
		at, err := store.ToTime(vals[2])
		if err != nil {
			return false, fmt.Errorf("read the stored time of a service record: %w", err)
		}
		s.community, s.path, s.at = id, textOf(vals[1]), at
	case "Demand":
		s.path = textOf(vals[0])
	case "ServiceEvent":
		s.kind = textOf(vals[0])
	}
	return true, nil
}

// textOf is a text column's value, which a driver may hand back as bytes.
func textOf(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case []byte:
		return string(t)
	}
	return ""
}

// hadRows says whether e's table held rows before the import wrote to it.
func (w *writer) hadRows(e *entity) (bool, error) {
	if had, ok := w.rollups.stored[e.table]; ok {
		return had, nil
	}
	rows, err := w.q.Query(w.ctx, "SELECT 1 FROM "+e.table+" LIMIT 1")
	if err != nil {
		return false, fmt.Errorf("look into %s: %w", e.table, err)
	}
	had := rows.Next()
	rows.Close()
	if err := rows.Err(); err != nil {
		return false, fmt.Errorf("look into %s: %w", e.table, err)
	}
	if w.rollups.stored == nil {
		w.rollups.stored = map[string]bool{}
	}
	w.rollups.stored[e.table] = had
	return had, nil
}

// readBefore reads, on SQLite, what the stored rows of the batch are filed
// under; the PostgreSQL upsert reads it itself.
func (w *writer) readBefore(e *entity, rows []*record) error {
	if w.dial == store.Postgres {
		return nil
	}
	had, err := w.hadRows(e)
	if err != nil || !had {
		return err
	}
	codes := make([]string, len(rows))
	for i, r := range rows {
		codes[i] = r.code
	}
	cols := e.rollupColumns()
	return eachChunk(codes, func(in string, args []any) error {
		rs, err := w.q.Query(w.ctx, "SELECT code, "+strings.Join(cols, ", ")+" FROM "+e.table+" WHERE code IN ("+in+")", args...)
		if err != nil {
			return fmt.Errorf("read the roll-up keys of %s: %w", e.name, err)
		}
		defer rs.Close()
		vals := make([]any, len(cols)+1)
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rs.Next() {
			if err := rs.Scan(ptrs...); err != nil {
				return fmt.Errorf("read the roll-up keys of %s: %w", e.name, err)
			}
			var s stored
			if ok, err := s.set(e, vals[1:]); err != nil || !ok {
				return err
			}
			w.noteStored(textOf(vals[0]), s)
		}
		return rs.Err()
	})
}

// noteStored remembers what the stored row of code was filed under.
func (w *writer) noteStored(code string, s stored) {
	if w.rollups.before == nil {
		w.rollups.before = map[string]stored{}
	}
	w.rollups.before[code] = s
}

// noteWritten remembers that the upsert changed the row of code.
func (w *writer) noteWritten(code string, id int64) {
	if w.rollups.written == nil {
		w.rollups.written = map[string]int64{}
	}
	w.rollups.written[code] = id
}

// noteChanged notes the keys of the rows the batch changed, as they were
// and as they are now; for events, the keys of the records of every event
// whose kind changed.
func (w *writer) noteChanged(e *entity, rows []*record) error {
	n := &w.rollups
	defer func() {
		clear(n.before)
		clear(n.written)
	}()
	c := &n.changes
	var events []int64
	for _, r := range rows {
		id, ok := n.written[r.code]
		if !ok {
			continue
		}
		was, existed := n.before[r.code]
		switch e.name {
		case "ServiceRecord":
			if existed {
				c.ServiceRecord(was.community, was.path, was.at)
			}
			c.ServiceRecord(r.vals[e.byName["community"]].id, regionPath(e, r), r.vals[e.byName["occurredAt"]].t)
		case "Demand":
			if existed {
				c.Demand(was.path)
			}
			c.Demand(regionPath(e, r))
		case "ServiceEvent":
			if existed && was.kind != r.vals[e.byName["kind"]].s {
				events = append(events, id)
			}
		}
	}
	return eachChunk(events, func(in string, args []any) error {
		return c.ServiceRecordsWhere(w.ctx, w.q, "sr.event_id IN ("+in+")", args...)
	})
}

// notePathMove notes a region path that rows left or reached.
func (w *writer) notePathMove(was, now string) {
	w.rollups.changes.Path(was)
	w.rollups.changes.Path(now)
}

// refreshRollups recounts what the import touched.
func (w *writer) refreshRollups() error {
	w.prog.phase("roll-ups", -1, "")
	if err := rollup.Refresh(w.ctx, w.q, &w.rollups.changes); err != nil {
		return fmt.Errorf("import: %w", err)
	}
	return nil
}

// complete ends an import's writing: roll-ups recounted, then the rows it
// changed numbered in the change feed, which raises the data version so
// that cached answers computed before this import are not served after it
// commits. It is the last thing before the commit: the feed's lock is held
// from here to the end of the transaction.
func (w *writer) complete() error {
	if err := w.refreshRollups(); err != nil {
		return err
	}
	now := time.Now()
	if err := ensureHistoryMonths(w.ctx, w.q, now); err != nil {
		return fmt.Errorf("import: %w", err)
	}
	if err := w.auditImport(now); err != nil {
		return err
	}
	if _, err := changes.Commit(w.ctx, w.q, w.changed, now); err != nil {
		return fmt.Errorf("import: %w", err)
	}
	return nil
}

// auditImport writes the import's entry in the audit trail: one entry for
// the whole file, whose after is what it wrote per type ({"lines": N,
// "byType": {...}}). Rows are not audited one by one — an import of a
// million records would double the write — but each is in the change feed,
// and the entry names who imported and when.
func (w *writer) auditImport(at time.Time) error {
	subject, actor, role := "cli", "", ""
	if p := auth.From(w.ctx); p != nil {
		subject, actor, role = p.Subject, p.Name, string(p.Role)
	}
	summary, err := json.Marshal(map[string]any{"lines": w.report.Lines, "byType": w.report.ByType})
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	_, err = w.q.Exec(w.ctx, `INSERT INTO audit_log (at, subject, actor, role, operation, entity, entity_id, code, before, after, request)
VALUES (?, ?, ?, ?, 'IMPORT', '*', 0, '', '', ?, '')`, at.UTC().Round(time.Microsecond), subject, actor, role, string(summary))
	if err != nil {
		return fmt.Errorf("import: write the audit trail: %w", err)
	}
	return nil
}
