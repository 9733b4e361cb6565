package ingest

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/civicgraph/civicgraph/internal/auth"
	"github.com/civicgraph/civicgraph/internal/changes"
	"github.com/civicgraph/civicgraph/internal/rollup"
)

// Roll-ups (package rollup) change in the import's own transaction. The
// writer notes the roll-up keys of everything it changes, as they were and
// as they become: the community, region path and local month of every
// service record it writes (read from the store before the upsert when the
// row may exist), the path of every demand, the keys of the records of an
// event whose kind changes, and every path a moved community or region
// leaves or reaches. Once the last line is written, rollup.Refresh
// recounts those keys, each once; a first import into an empty store, or
// one spanning most keys, rebuilds instead. Noting costs one indexed
// look-up per batch only when the table had rows before the import: rows
// this import wrote earlier were noted when they were written.

// rollupNotes is the writer's record of what roll-ups must recount.
type rollupNotes struct {
	changes rollup.Changes
	// stored says, per table, whether it had rows before this import wrote
	// any; asked once, before the first write to it.
	stored map[string]bool
	// kinds are the stored kinds of the events of the batch being written.
	kinds map[string]storedEvent
}

type storedEvent struct {
	id   int64
	kind string
}

// feedsRollups says whether rows of e are a roll-up's source.
func feedsRollups(e *entity) bool {
	return e.name == "ServiceRecord" || e.name == "Demand" || e.name == "ServiceEvent"
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

// noteBefore notes the keys of the stored rows the batch will overwrite.
func (w *writer) noteBefore(e *entity, rows []*record) error {
	had, err := w.hadRows(e)
	if err != nil || !had {
		return err
	}
	codes := make([]string, len(rows))
	for i, r := range rows {
		codes[i] = r.code
	}
	c := &w.rollups.changes
	return eachChunk(codes, func(in string, args []any) error {
		switch e.name {
		case "ServiceRecord":
			return c.ServiceRecordsWhere(w.ctx, w.q, "sr.code IN ("+in+")", args...)
		case "Demand":
			return c.DemandsWhere(w.ctx, w.q, "d.code IN ("+in+")", args...)
		}
		return w.readKinds(in, args)
	})
}

// readKinds remembers the stored kinds of the batch's events.
func (w *writer) readKinds(in string, args []any) error {
	if w.rollups.kinds == nil {
		w.rollups.kinds = map[string]storedEvent{}
	}
	rs, err := w.q.Query(w.ctx, "SELECT code, id, kind FROM service_events WHERE code IN ("+in+")", args...)
	if err != nil {
		return fmt.Errorf("read event kinds: %w", err)
	}
	defer rs.Close()
	for rs.Next() {
		var code string
		var ev storedEvent
		if err := rs.Scan(&code, &ev.id, &ev.kind); err != nil {
			return fmt.Errorf("read event kinds: %w", err)
		}
		w.rollups.kinds[code] = ev
	}
	return rs.Err()
}

// noteAfter notes the keys of the rows as the batch wrote them; for events,
// the keys of the records of every event whose kind changed.
func (w *writer) noteAfter(e *entity, rows []*record) error {
	c := &w.rollups.changes
	switch e.name {
	case "ServiceRecord":
		community, at := e.byName["community"], e.byName["occurredAt"]
		for _, r := range rows {
			c.ServiceRecord(r.vals[community].id, regionPath(e, r), r.vals[at].t)
		}
	case "Demand":
		for _, r := range rows {
			c.Demand(regionPath(e, r))
		}
	case "ServiceEvent":
		kind := e.byName["kind"]
		var changed []int64
		for _, r := range rows {
			if ev, ok := w.rollups.kinds[r.code]; ok && ev.kind != r.vals[kind].s {
				changed = append(changed, ev.id)
			}
		}
		clear(w.rollups.kinds)
		return eachChunk(changed, func(in string, args []any) error {
			return c.ServiceRecordsWhere(w.ctx, w.q, "sr.event_id IN ("+in+")", args...)
		})
	}
	return nil
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
