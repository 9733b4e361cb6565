package ingest

import (
	"database/sql"
	"fmt"
	"strings"

	"github.com/civicgraph/civicgraph/internal/store"
)

// Rows are written by code with INSERT ... ON CONFLICT (code) DO UPDATE, up
// to a thousand rows a statement on SQLite and five thousand on PostgreSQL
// (writer.go), which both run (SQLite from 3.24). The rows come as a VALUES
// list on SQLite; on PostgreSQL as one array per column, unnested, so that the statement has a dozen parameters
// instead of ten thousand, is prepared once for every batch size, and never
// meets the 65,535-parameter limit. The update only touches a row whose
// values differ, so importing the same file again rewrites nothing (no dead
// tuples, no index churn). Types that others refer to return the ids (and
// region paths) of the rows they wrote, which go straight into the
// resolver's cache. On PostgreSQL, the upsert of a roll-up source also
// returns what each row it changed was filed under before (NULL for a new
// row): the statement reads the stored rows of its codes in a WITH
// clause, which sees the table as it was when the statement began.

// upsertSQL is the statement writing n rows of e, built once; withOld
// (PostgreSQL) makes it return what the rows it changed were filed under.
func (w *writer) upsertSQL(e *entity, n int, withOld bool) string {
	key := [2]int{e.index, n}
	if w.dial == store.Postgres {
		key[1] = 0 // unnest: one statement for every batch size
		if withOld {
			key[1] = -1
		}
	}
	if q, ok := w.sqls[key]; ok {
		return q
	}
	cols := e.columns()
	var b strings.Builder
	var old []string
	if withOld {
		old = e.rollupColumns()
	}
	if len(old) > 0 {
		fmt.Fprintf(&b, "WITH old AS (SELECT id, %s FROM %s WHERE code = ANY(CAST(? AS text[]))), up AS (",
			strings.Join(old, ", "), e.table)
	}
	fmt.Fprintf(&b, "INSERT INTO %s (%s) ", e.table, strings.Join(cols, ", "))
	if w.dial == store.Postgres {
		b.WriteString("SELECT * FROM unnest(")
		for i, t := range e.pgTypes() {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "CAST(? AS %s[])", t)
		}
		b.WriteString(")")
	} else {
		b.WriteString("VALUES ")
		row := "(" + placeholders(len(cols)) + ")"
		for i := range n {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(row)
		}
	}
	b.WriteString(" ON CONFLICT (code) DO UPDATE SET ")
	for i, c := range cols[1:] {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s = excluded.%s", c, c)
	}
	b.WriteString(" WHERE ")
	for i, c := range cols[1:] {
		if i > 0 {
			b.WriteString(" OR ")
		}
		fmt.Fprintf(&b, "%s.%s IS DISTINCT FROM excluded.%s", e.table, c, c)
	}
	// Every upsert reads back the rows it changed (a row whose values were
	// the same is not returned): the change feed numbers them, and the
	// types others refer to cache their ids.
	b.WriteString(" RETURNING " + e.targetColumns())
	if len(old) > 0 {
		b.WriteString(") SELECT up.*")
		for _, c := range old {
			b.WriteString(", old." + c)
		}
		b.WriteString(" FROM up LEFT JOIN old ON old.id = up.id")
	}
	q := b.String()
	w.sqls[key] = q
	return q
}

// caches says whether the ids an upsert of e reads back are cached: when
// other lines refer to e, or when e has sets to write by id.
func (e *entity) caches() bool { return e.referenced || e.hasSets }

// upsert writes rows, which hold distinct codes, in one statement.
func (w *writer) upsert(e *entity, rows []*record) error {
	args := w.args[:0]
	for _, r := range rows {
		args = appendRow(args, e, r)
	}
	w.args = args[:0]
	// A table that was empty before this import has no stored rows to read.
	withOld := false
	if w.dial == store.Postgres && feedsRollups(e) {
		had, err := w.hadRows(e)
		if err != nil {
			return err
		}
		withOld = had
	}
	if w.dial == store.Postgres && e.partitioned() && w.hasKeyTable(e) {
		err := w.upsertPartitioned(e, columnsOf(args, len(e.columns())), withOld, func(rs *sql.Rows, extra int) error {
			return w.readWritten(e, rs, extra)
		})
		if err != nil {
			return err
		}
		w.report.ByType[e.name] += len(rows)
		return nil
	}
	q := w.upsertSQL(e, len(rows), withOld)
	extra := 0
	if w.dial == store.Postgres {
		args = columnsOf(args, len(e.columns()))
		if withOld {
			args = append([]any{args[0]}, args...) // the codes again, for the stored rows
			extra = len(e.rollupColumns())
		}
	}
	rs, err := w.q.Query(w.ctx, q, args...)
	if err != nil {
		return fmt.Errorf("write %s: %w", e.name, err)
	}
	if err := w.readWritten(e, rs, extra); err != nil {
		return err
	}
	w.report.ByType[e.name] += len(rows)
	return nil
}

// readWritten reads what an upsert of e returned: the rows it changed,
// with extra columns of what they were filed under before.
func (w *writer) readWritten(e *entity, rs *sql.Rows, extra int) error {
	var cache map[string]target
	if e.caches() {
		cache = w.res.caches[e.index]
	}
	rollups := feedsRollups(e)
	return scanTargets(rs, e, cache, extra, func(id int64, code string, old []any) error {
		w.changed.Add(e.name, id)
		if !rollups {
			return nil
		}
		w.noteWritten(code, id)
		if len(old) > 0 {
			var s stored
			existed, err := s.set(e, old)
			if err != nil {
				return err
			}
			if existed {
				w.noteStored(code, s)
			}
		}
		return nil
	})
}

// columnsOf turns row-major values into one array per column, for unnest.
func columnsOf(args []any, width int) []any {
	n := len(args) / width
	out := make([]any, width)
	for c := range width {
		col := make([]any, n)
		for r := range n {
			col[r] = args[r*width+c]
		}
		out[c] = col
	}
	return out
}

// pgTypes are the PostgreSQL types of e's columns, for unnest's arrays.
func (e *entity) pgTypes() []string {
	out := []string{"text"}
	for _, f := range e.fields {
		if f.column == "" {
			continue
		}
		switch f.kind {
		case kInt:
			out = append(out, "integer")
		case kBool:
			out = append(out, "boolean")
		case kDate:
			out = append(out, "date")
		case kTime:
			out = append(out, "timestamptz")
		case kRef:
			out = append(out, "bigint")
		default:
			out = append(out, "text")
		}
	}
	if e.pathFrom != nil {
		out = append(out, "text")
	}
	return out
}

// appendRow appends the values of r's columns, in e.columns order.
func appendRow(args []any, e *entity, r *record) []any {
	args = append(args, r.code)
	for j := range e.fields {
		f := &e.fields[j]
		if f.column == "" {
			continue
		}
		args = append(args, columnValue(f, &r.vals[j]))
	}
	if e.pathFrom != nil {
		args = append(args, regionPath(e, r))
	}
	return args
}

// columnValue is what a field's column gets: absent fields are NULL, or the
// column's default when it has one.
func columnValue(f *field, v *value) any {
	if !v.set {
		if f.kind == kRoles {
			return ""
		}
		return f.def
	}
	switch f.kind {
	case kInt:
		return v.n
	case kBool:
		return v.b
	case kTime:
		return v.t
	case kRef:
		if v.id == 0 {
			return nil // a parent written once its type is
		}
		return v.id
	case kRoles:
		return store.JoinRoles(v.list)
	}
	return v.s
}

// regionPath is the region path a row copies: that of the first of its
// pathFrom references it has.
func regionPath(e *entity, r *record) string {
	for _, name := range e.pathFrom {
		if v := &r.vals[e.byName[name]]; v.set && v.id != 0 {
			return v.path
		}
	}
	return ""
}

// writeSets replaces the sets of the rows (roles, commitments, members):
// the rows' old items are deleted and the line's items inserted, so that a
// set is exactly what the last line gave.
func (w *writer) writeSets(e *entity, rows []*record) error {
	codes := make([]string, len(rows))
	for i, r := range rows {
		codes[i] = r.code
	}
	// Rows the upsert left alone returned no id; look those up.
	if err := w.res.load(w.ctx, e, codes); err != nil {
		return err
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		t, ok := w.res.get(e, r.code)
		if !ok {
			return fmt.Errorf("write %s %q: the row is missing after its upsert", e.name, r.code)
		}
		ids[i] = t.id
	}
	// A set can change while the row's own columns do not, so every row
	// whose sets were given counts as changed.
	w.changed.Add(e.name, ids...)
	for j := range e.fields {
		f := &e.fields[j]
		if f.link == nil {
			continue
		}
		err := eachChunk(ids, func(in string, args []any) error {
			_, err := w.q.Exec(w.ctx, fmt.Sprintf("DELETE FROM %s WHERE %s IN (%s)", f.link.table, f.link.owner, in), args...)
			return err
		})
		if err != nil {
			return fmt.Errorf("clear %s: %w", f.link.table, err)
		}
		if err := w.insertItems(f, rows, ids, j); err != nil {
			return err
		}
	}
	return nil
}

// linkChunk is how many (owner, item) rows one insert writes.
const linkChunk = 500

// insertItems inserts the items of field j of every row.
func (w *writer) insertItems(f *field, rows []*record, ids []int64, j int) error {
	args := make([]any, 0, 2*linkChunk)
	flush := func() error {
		if len(args) == 0 {
			return nil
		}
		row := "(?, ?)"
		q := fmt.Sprintf("INSERT INTO %s (%s, %s) VALUES %s", f.link.table, f.link.owner, f.link.item,
			strings.TrimSuffix(strings.Repeat(row+", ", len(args)/2), ", "))
		if _, err := w.q.Exec(w.ctx, q, args...); err != nil {
			return fmt.Errorf("write %s: %w", f.link.table, err)
		}
		args = args[:0]
		return nil
	}
	for i, r := range rows {
		v := &r.vals[j]
		if f.kind == kRoles {
			for _, role := range v.list {
				args = append(args, ids[i], role)
			}
		} else {
			for _, id := range v.ids {
				args = append(args, ids[i], id)
			}
		}
		if len(args) >= 2*linkChunk {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}

// moveSQL updates the rows that copy their region path from a row of the
// key type that moved; m(id, path) lists the moved rows and their new paths.
var moveSQL = map[string][]string{
	"Community": {
		"UPDATE people SET region_path = m.path FROM m WHERE people.community_id = m.id",
		"UPDATE organizations SET region_path = m.path FROM m WHERE organizations.community_id = m.id AND organizations.region_id IS NULL",
		"UPDATE alliances SET region_path = m.path FROM m WHERE alliances.lead_community_id = m.id",
		"UPDATE memberships SET region_path = m.path FROM alliances a, m WHERE memberships.alliance_id = a.id AND a.lead_community_id = m.id",
		"UPDATE service_events SET region_path = m.path FROM m WHERE service_events.community_id = m.id",
		"UPDATE demands SET region_path = m.path FROM m WHERE demands.community_id = m.id",
		"UPDATE service_records SET region_path = m.path FROM m WHERE service_records.community_id = m.id",
	},
	"Alliance": {"UPDATE memberships SET region_path = m.path FROM m WHERE memberships.alliance_id = m.id"},
	"Studio":   {"UPDATE mentorships SET region_path = m.path FROM m WHERE mentorships.studio_id = m.id"},
}

// propagateMoves carries a new region path from the rows of a batch that
// moved (a community given another street) to the rows hanging from them
// that this import does not rewrite itself.
func (w *writer) propagateMoves(e *entity, rows []*record, old map[string]string) error {
	var moved []any
	for _, r := range rows {
		was, existed := old[r.code]
		now := regionPath(e, r)
		if !existed || was == now {
			continue
		}
		t, ok := w.res.get(e, r.code)
		if !ok {
			return fmt.Errorf("move %s %q: its id is unknown", e.name, r.code)
		}
		moved = append(moved, t.id, now)
		if e.name == "Community" { // its records and demands move with it
			w.notePathMove(was, now)
		}
	}
	if len(moved) == 0 {
		return nil
	}
	for _, stmt := range moveSQL[e.name] {
		if err := w.withValuesNoting("m(id, path)", "(CAST(? AS bigint), CAST(? AS text))", moved, stmt); err != nil {
			return fmt.Errorf("move %s: %w", e.name, err)
		}
	}
	w.forgetPaths(e)
	return nil
}

// forgetPaths drops the cached region paths of every type but keep, whose
// cache the writes just refreshed.
func (w *writer) forgetPaths(keep *entity) {
	for _, t := range entities {
		if t.pathSource && t != keep {
			w.res.forget(t)
		}
	}
}

// withValuesNoting is withValues for an UPDATE that moves rows to another
// region path: the rows it updates are noted as changed, so that the change
// feed carries them (and a tombstone for the region they left).
func (w *writer) withValuesNoting(name, tuple string, args []any, stmt string) error {
	table := strings.Fields(stmt)[1] // "UPDATE <table> SET ..."
	typ := ""
	for _, e := range entities {
		if e.table == table {
			typ = e.name
		}
	}
	if typ == "" {
		return fmt.Errorf("moved rows of an unknown table %q", table)
	}
	width := strings.Count(tuple, "?")
	for len(args) > 0 {
		n := min(len(args)/width, valuesChunk)
		q := "WITH " + name + " AS (VALUES " + strings.TrimSuffix(strings.Repeat(tuple+", ", n), ", ") + ") " + stmt + " RETURNING " + table + ".id"
		rows, err := w.q.Query(w.ctx, q, args[:n*width]...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			w.changed.Add(typ, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		args = args[n*width:]
	}
	return nil
}

// valuesChunk is how many tuples one WITH ... AS (VALUES ...) binds.
const valuesChunk = 500

// withValues runs stmt once per chunk of tuples, prefixed with
// "WITH name AS (VALUES tuple, ...)". args holds the tuples' values in order.
func (w *writer) withValues(name, tuple string, args []any, stmt string) error {
	width := strings.Count(tuple, "?")
	for len(args) > 0 {
		n := min(len(args)/width, valuesChunk)
		q := "WITH " + name + " AS (VALUES " + strings.TrimSuffix(strings.Repeat(tuple+", ", n), ", ") + ") " + stmt
		if _, err := w.q.Exec(w.ctx, q, args[:n*width]...); err != nil {
			return err
		}
		args = args[n*width:]
	}
	return nil
}
