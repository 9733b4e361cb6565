package ingest

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/civicgraph/civicgraph/internal/store"
)

// On PostgreSQL service_records is partitioned by month of occurred_at
// (migration 0007), so it has no UNIQUE (code) for ON CONFLICT to use: the
// key table service_record_codes (code PRIMARY KEY, id, occurred_at) owns
// each code's uniqueness and id, and says which month holds the row. A
// batch is written in up to three statements:
//
//  1. claim: INSERT the batch's codes into service_record_codes, each with
//     a new id from service_records' sequence, ON CONFLICT (code) DO UPDATE
//     ... WHERE false. A new code gets its key; an existing one is not
//     rewritten but row-locked until the transaction ends, so a concurrent
//     writer of the same code waits here (and one of a code this batch
//     creates waits for the commit, then finds it existing: it updates the
//     row, as ON CONFLICT DO UPDATE did). RETURNING lists only the codes
//     inserted: the new rows.
//  2. the new rows: a plain INSERT with the claimed ids.
//  3. the existing rows (updateStored): a read of each through the key
//     table, one index probe of (id, occurred_at) in the one month holding
//     it, saying whether a value differs; then an UPDATE of only those, so
//     importing the same file again rewrites nothing. These are separate
//     statements so that, READ COMMITTED, they see rows that a writer we
//     waited for in 1 committed. A changed
//     occurred_at moves the row to its new month: PostgreSQL 15 moves rows
//     across partitions on UPDATE (not inside ON CONFLICT DO UPDATE, one
//     more reason for this shape), and the table's trigger moves the key.
//     A key whose row is missing (deleted by plain SQL while the key stayed)
//     gets its row inserted again.
//
// Before 2 and 3 the months of the batch's rows are made to exist
// (store.EnsureMonths: free when they are known).

// partitioned says whether e's table is partitioned on PostgreSQL (whose
// upsert is then upsertPartitioned's).
func (e *entity) partitioned() bool { return e.table == "service_records" }

// hasKeyTable says whether the store has e's key table: it has unless its
// schema predates partitioning (a store migrated --to an older version,
// which only tests write to). Asked once per writer.
func (w *writer) hasKeyTable(e *entity) bool {
	if w.keyTable == 0 {
		w.keyTable = -1
		rows, err := w.q.Query(w.ctx, "SELECT to_regclass(?) IS NOT NULL", e.table[:len(e.table)-1]+"_codes")
		if err == nil {
			for rows.Next() {
				var ok bool
				if rows.Scan(&ok) == nil && ok {
					w.keyTable = 1
				}
			}
			rows.Close()
		}
	}
	return w.keyTable > 0
}

// upsertPartitioned writes the rows of e given as one array per column (in
// e.columns order; codes first), handing each statement's returned rows
// (targetColumns, then, when withOld, the rollupColumns the row had before,
// NULL for a new row) to take with the number of those extra columns.
func (w *writer) upsertPartitioned(e *entity, cols []any, withOld bool, take func(rs *sql.Rows, extra int) error) error {
	names := e.columns()
	at := -1
	for i, c := range names {
		if c == "occurred_at" {
			at = i
		}
	}
	if at < 0 {
		return fmt.Errorf("write %s: no occurred_at column to partition by", e.name)
	}
	codes, ats := cols[0].([]any), cols[at].([]any)
	instants := make([]time.Time, 0, len(ats))
	for _, v := range ats {
		if t, ok := v.(time.Time); ok {
			instants = append(instants, t)
		}
	}
	if err := store.EnsureMonths(w.ctx, w.q, e.table, instants...); err != nil {
		return fmt.Errorf("write %s: %w", e.name, err)
	}
	fresh, err := w.claimCodes(e, codes, ats)
	if err != nil {
		return err
	}
	extra := 0
	if withOld {
		extra = len(e.rollupColumns())
	}
	// Split the columns: the rows of claimed (new) codes, and the others.
	var newCols, oldCols []any
	ids := make([]any, 0, len(fresh))
	keepNew := make([]bool, len(codes))
	for i, c := range codes {
		if id, ok := fresh[c.(string)]; ok {
			keepNew[i] = true
			ids = append(ids, id)
		}
	}
	for _, col := range cols {
		vals := col.([]any)
		var n, o []any
		for i, v := range vals {
			if keepNew[i] {
				n = append(n, v)
			} else {
				o = append(o, v)
			}
		}
		newCols, oldCols = append(newCols, n), append(oldCols, o)
	}
	if len(ids) > 0 {
		rs, err := w.q.Query(w.ctx, w.partitionedSQL(e, "insert", withOld), append([]any{ids}, newCols...)...)
		if err != nil {
			return fmt.Errorf("write %s: %w", e.name, err)
		}
		if err := take(rs, extra); err != nil {
			return err
		}
	}
	if len(ids) < len(codes) {
		return w.updateStored(e, oldCols, withOld, take)
	}
	return nil
}

// updateStored is step 3, for the rows of codes that have a key: a read of
// each stored row (does any value differ?), then an UPDATE of those that
// differ only — none when the same file is imported again, which then
// costs one index probe per row and no rewrite — and an INSERT of a row
// whose key outlived it (deleted by plain SQL).
//
// Without statistics of the batch, the planner would hash-join it to every
// month of the table (a scan of them all per batch); probing the indexes
// row by row, each probe pruned to one month at run time, is what a batch
// of upserts needs, so the planner is told so for these two statements.
func (w *writer) updateStored(e *entity, cols []any, withOld bool, take func(rs *sql.Rows, extra int) error) (err error) {
	if _, err := w.q.Exec(w.ctx, "SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off; SET LOCAL enable_seqscan = off"); err != nil {
		return fmt.Errorf("write %s: %w", e.name, err)
	}
	defer func() {
		if _, rerr := w.q.Exec(w.ctx, "RESET enable_hashjoin; RESET enable_mergejoin; RESET enable_seqscan"); err == nil && rerr != nil {
			err = fmt.Errorf("write %s: %w", e.name, rerr)
		}
	}()
	olds := len(e.rollupColumns())
	rs, err := w.q.Query(w.ctx, w.partitionedSQL(e, "read", false), cols...)
	if err != nil {
		return fmt.Errorf("write %s: read the stored rows: %w", e.name, err)
	}
	index := make(map[string]int, len(cols[0].([]any)))
	for i, c := range cols[0].([]any) {
		index[c.(string)] = i
	}
	var (
		changed, missing []int // row indexes in cols
		ids, missingIDs  []any
		storedAt         []any
		oldVals          = make([][]any, olds)
	)
	dest := make([]any, 5+olds)
	var (
		code           string
		id             int64
		found, differs bool
		stored         any
	)
	dest[0], dest[1], dest[2], dest[3], dest[4] = &code, &id, &found, &differs, &stored
	vals := make([]any, olds)
	for i := range vals {
		dest[5+i] = &vals[i]
	}
	for rs.Next() {
		if err := rs.Scan(dest...); err != nil {
			rs.Close()
			return fmt.Errorf("write %s: read the stored rows: %w", e.name, err)
		}
		switch {
		case !found:
			missing, missingIDs = append(missing, index[code]), append(missingIDs, id)
		case differs:
			changed, ids, storedAt = append(changed, index[code]), append(ids, id), append(storedAt, stored)
			for i, v := range vals {
				oldVals[i] = append(oldVals[i], v)
			}
		}
	}
	rs.Close()
	if err := rs.Err(); err != nil {
		return fmt.Errorf("write %s: read the stored rows: %w", e.name, err)
	}
	extra := 0
	if withOld {
		extra = olds
	}
	if len(changed) > 0 {
		args := []any{ids, storedAt}
		args = append(args, pick(cols, changed)...)
		if withOld {
			for _, v := range oldVals {
				args = append(args, v)
			}
		}
		rs, err := w.q.Query(w.ctx, w.partitionedSQL(e, "update", withOld), args...)
		if err != nil {
			return fmt.Errorf("write %s: %w", e.name, err)
		}
		if err := take(rs, extra); err != nil {
			return err
		}
	}
	if len(missing) > 0 {
		rs, err := w.q.Query(w.ctx, w.partitionedSQL(e, "insert", withOld), append([]any{missingIDs}, pick(cols, missing)...)...)
		if err != nil {
			return fmt.Errorf("write %s: %w", e.name, err)
		}
		if err := take(rs, extra); err != nil {
			return err
		}
	}
	return nil
}

// pick keeps, of every column, the values of the rows at indexes.
func pick(cols []any, indexes []int) []any {
	out := make([]any, len(cols))
	for c, col := range cols {
		vals := col.([]any)
		kept := make([]any, len(indexes))
		for i, r := range indexes {
			kept[i] = vals[r]
		}
		out[c] = kept
	}
	return out
}

// claimCodes is step 1: it returns the ids of the codes that were new.
func (w *writer) claimCodes(e *entity, codes, ats []any) (map[string]int64, error) {
	rs, err := w.q.Query(w.ctx, w.partitionedSQL(e, "claim", false), codes, ats)
	if err != nil {
		return nil, fmt.Errorf("write %s: claim codes: %w", e.name, err)
	}
	defer rs.Close()
	fresh := make(map[string]int64, len(codes))
	for rs.Next() {
		var (
			code string
			id   int64
		)
		if err := rs.Scan(&code, &id); err != nil {
			return nil, fmt.Errorf("write %s: claim codes: %w", e.name, err)
		}
		fresh[code] = id
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("write %s: claim codes: %w", e.name, err)
	}
	return fresh, nil
}

// partitionedSQL builds (once) the statement of one step: "claim",
// "insert", "read" or "update".
func (w *writer) partitionedSQL(e *entity, step string, withOld bool) string {
	n := map[string]int{"claim": -10, "insert": -11, "read": -12, "update": -13}[step]
	if withOld {
		n -= 10
	}
	key := [2]int{e.index, n}
	if q, ok := w.sqls[key]; ok {
		return q
	}
	keys := e.table[:len(e.table)-1] + "_codes" // service_record_codes
	cols := e.columns()
	types := e.pgTypes()
	unnest := func() string {
		parts := make([]string, len(types))
		for i, t := range types {
			parts[i] = fmt.Sprintf("CAST(? AS %s[])", t)
		}
		return "unnest(" + strings.Join(parts, ", ") + ")"
	}
	returning := func(alias string) string {
		r := fmt.Sprintf("%[1]s.id, %[1]s.code, CASE WHEN %[1]s.archived_at IS NULL THEN 0 ELSE 1 END AS archived", alias)
		if e.pathSource {
			r += ", " + alias + "." + e.pathColumn
		}
		return r
	}
	old := e.rollupColumns()
	var b strings.Builder
	switch step {
	case "claim":
		fmt.Fprintf(&b, `INSERT INTO %[1]s AS k (code, id, occurred_at)
SELECT v.code, nextval('%[2]s_id_seq'), v.occurred_at FROM unnest(CAST(? AS text[]), CAST(? AS timestamptz[])) AS v(code, occurred_at)
ON CONFLICT (code) DO UPDATE SET occurred_at = k.occurred_at WHERE false
RETURNING k.code, k.id`, keys, e.table)
	case "insert":
		fmt.Fprintf(&b, "INSERT INTO %s AS sr (id, %s) SELECT * FROM unnest(CAST(? AS bigint[]), %s",
			e.table, strings.Join(cols, ", "), strings.TrimPrefix(unnest(), "unnest("))
		b.WriteString(" RETURNING " + returning("sr"))
		if withOld {
			b.WriteString(strings.Repeat(", NULL", len(old)))
		}
	case "read":
		// Each stored row through its key: one index probe of the one
		// month holding it (LIMIT 1 keeps the probe a parameterized
		// look-up), and whether any of its values differs.
		fmt.Fprintf(&b, "WITH v AS (SELECT * FROM %s AS v(%s)) ", unnest(), strings.Join(cols, ", "))
		b.WriteString("SELECT v.code, k.id, s.stored_at IS NOT NULL, COALESCE(s.differs, true), s.stored_at")
		for i := range old {
			fmt.Fprintf(&b, ", s.old%d", i)
		}
		fmt.Fprintf(&b, " FROM v JOIN %s k ON k.code = v.code LEFT JOIN LATERAL (SELECT sr.occurred_at AS stored_at", keys)
		for i, c := range old {
			fmt.Fprintf(&b, ", sr.%s AS old%d", c, i)
		}
		b.WriteString(", (")
		for i, c := range cols[1:] {
			if i > 0 {
				b.WriteString(" OR ")
			}
			fmt.Fprintf(&b, "sr.%s IS DISTINCT FROM v.%s", c, c)
		}
		fmt.Fprintf(&b, ") AS differs FROM %s sr WHERE sr.id = k.id AND sr.occurred_at = k.occurred_at LIMIT 1) s ON true", e.table)
	case "update":
		// The rows that differ, by (id, the month they are in); a new
		// occurred_at moves a row to its month.
		parts := []string{"CAST(? AS bigint[])", "CAST(? AS timestamptz[])"}
		names := []string{"row_id", "stored_at"}
		for i, t := range types {
			parts = append(parts, fmt.Sprintf("CAST(? AS %s[])", t))
			names = append(names, cols[i])
		}
		if withOld {
			for i, c := range old {
				parts = append(parts, fmt.Sprintf("CAST(? AS %s[])", types[slices.Index(cols, c)]))
				names = append(names, fmt.Sprintf("old%d", i))
			}
		}
		fmt.Fprintf(&b, "UPDATE %s sr SET ", e.table)
		for i, c := range cols[1:] {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%s = u.%s", c, c)
		}
		fmt.Fprintf(&b, " FROM unnest(%s) AS u(%s) WHERE sr.id = u.row_id AND sr.occurred_at = u.stored_at RETURNING %s",
			strings.Join(parts, ", "), strings.Join(names, ", "), returning("sr"))
		if withOld {
			for i := range old {
				fmt.Fprintf(&b, ", u.old%d", i)
			}
		}
	}
	q := b.String()
	w.sqls[key] = q
	return q
}

// ensureHistoryMonths makes sure the change feed's and the audit trail's
// partitions of at's month exist (PostgreSQL), before a write numbers its
// changes and audits itself at at.
func ensureHistoryMonths(ctx context.Context, q store.Querier, at time.Time) error {
	for _, table := range []string{"changes", "audit_log"} {
		if err := store.EnsureMonths(ctx, q, table, at); err != nil {
			return err
		}
	}
	return nil
}
