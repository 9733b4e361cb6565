package rollup

import (
	"context"
	"fmt"
	"strings"

	"github.com/civicgraph/civicgraph/internal/store"
)

// A roll-up is filled by one INSERT ... SELECT ... GROUP BY per table:
// over its source (the base table, or the finer roll-up it is summed from),
// either whole or restricted to a scope of keys (scope.go). The same SELECT
// over the base table is what Verify compares the table with.

// clearSQL deletes the rows of t in the scope (all of them for nil).
func clearSQL(t *Table, sc *scope) (string, []any) {
	if sc == nil {
		return "DELETE FROM " + t.Name, nil
	}
	return sc.with + "DELETE FROM " + t.Name + " WHERE EXISTS (SELECT 1 FROM k WHERE " + sc.match(t, t.Name) + ")", sc.args
}

// fillSQL inserts the rows of t in the scope (all for nil), counted from
// the finer roll-up it is summed from, or else from the live rows of its
// source.
func fillSQL(d store.Dialect, t *Table, sc *scope) (string, []any) { return fillRows(d, t, sc, true) }

// fillRows is fillSQL; without live, as migration 0002 spells it.
func fillRows(d store.Dialect, t *Table, sc *scope, live bool) (string, []any) {
	var sel string
	if t.from != nil {
		sel = sumSQL(t, sc)
	} else {
		sel = countRows(d, t, sc, live)
	}
	ins := "INSERT INTO " + t.Name + " (" + strings.Join(t.columns(), ", ") + ") " + sel
	if sc == nil {
		return ins, nil
	}
	return sc.with + ins, sc.args
}

// countSQL selects t's rows (key columns, then measures) counted from the
// live rows of its base table, restricted to the scope's keys when there is
// one. PostgreSQL groups on the local time truncated to the period and
// formats only the groups' labels: to_char on every row costs more than the
// grouping.
func countSQL(d store.Dialect, t *Table, sc *scope) string { return countRows(d, t, sc, true) }

// countRows is countSQL; without live, archived rows count as live ones did
// before they existed (the statements of migration 0002).
func countRows(d store.Dialect, t *Table, sc *scope, live bool) string {
	s := t.src
	if sc != nil && sc.staged {
		s = touchedRecords
	}
	var cols, joins []string
	for _, c := range t.keyColumns() {
		switch {
		case c == t.Period && d == store.Postgres:
			cols = append(cols, truncated(t.Period, s.instant))
		case c == t.Period:
			cols = append(cols, label(d, t.Period, s.instant))
		default:
			cols = append(cols, s.cols[c])
			if j := s.join(c, live); j != "" {
				joins = append(joins, j)
			}
		}
	}
	for _, m := range t.Measures {
		cols = append(cols, s.measures[m])
	}
	from := s.table + " " + s.alias
	if sc != nil && !sc.staged {
		from = "k JOIN " + from + " ON " + scopeJoin(d, s, sc)
	}
	for _, j := range joins {
		from += " " + j
	}
	if live && s.live != "" {
		from += " WHERE " + s.live
	}
	if t.Period == "" || d != store.Postgres {
		return "SELECT " + strings.Join(cols, ", ") + " FROM " + from + " GROUP BY " + positions(len(t.keyColumns()))
	}
	outer := make([]string, len(cols))
	for i := range cols {
		outer[i] = fmt.Sprintf("c%d", i)
		cols[i] += " AS " + outer[i]
	}
	outer[1] = formatted(t.Period, outer[1]) // the period follows region_path
	return "SELECT " + strings.Join(outer, ", ") + " FROM (SELECT " + strings.Join(cols, ", ") + " FROM " + from +
		" GROUP BY " + positions(len(t.keyColumns())) + ") c"
}

// scopeJoin is the condition that a row of s has a key of the scope (k).
// For months, the instant range finds the month's rows by index; the
// label, which is what the roll-ups file them under, decides.
func scopeJoin(d store.Dialect, s *source, sc *scope) string {
	cond := s.cols[sc.by] + " = k.key"
	if sc.months {
		cond += " AND " + s.instant + " >= k.lo AND " + s.instant + " < k.hi AND " + label(d, "month", s.instant) + " = k.m"
	}
	return cond
}

// sumSQL selects t's rows summed from the finer roll-up t.from (alias x).
func sumSQL(t *Table, sc *scope) string {
	var cols []string
	for _, c := range t.keyColumns() {
		cols = append(cols, "x."+c)
	}
	for _, m := range t.Measures {
		cols = append(cols, "SUM(x."+m+")")
	}
	from := t.from.Name + " x"
	if sc != nil {
		from = "k JOIN " + from + " ON " + sc.match(t.from, "x")
	}
	return "SELECT " + strings.Join(cols, ", ") + " FROM " + from + " GROUP BY " + positions(len(t.keyColumns()))
}

// positions is "1, 2, ..., n" for GROUP BY.
func positions(n int) string {
	p := make([]string, n)
	for i := range p {
		p[i] = fmt.Sprint(i + 1)
	}
	return strings.Join(p, ", ")
}

// refill recounts the rows of the tables in the scope (nil: all rows), in
// maintenance order; community months from a copy of their base rows.
func refill(ctx context.Context, q store.Querier, tables []*Table, sc *scope) error {
	if sc == nil || sc.by != "community_id" {
		return refillTables(ctx, q, tables, sc)
	}
	staged, err := stage(ctx, q, sc)
	if err != nil {
		return err
	}
	if err := refillTables(ctx, q, tables, staged); err != nil {
		return err
	}
	if _, err := q.Exec(ctx, "DROP TABLE "+touchedRecords.table); err != nil {
		return fmt.Errorf("drop the touched service records: %w", err)
	}
	return nil
}

func refillTables(ctx context.Context, q store.Querier, tables []*Table, sc *scope) error {
	for _, t := range tables {
		sc, ok := sc.scopeFor(t)
		if !ok {
			continue
		}
		// Refilled whole, a table is written from empty: on SQLite its
		// indexes are built after its rows (store.DeferIndexes).
		rebuild := func(context.Context) error { return nil }
		if sc == nil {
			var err error
			if rebuild, err = store.DeferIndexes(ctx, q, t.Name); err != nil {
				return err
			}
		}
		stmt, args := clearSQL(t, sc)
		if _, err := q.Exec(ctx, stmt, args...); err != nil {
			return fmt.Errorf("clear %s: %w", t.Name, err)
		}
		stmt, args = fillSQL(q.Dialect(), t, sc)
		if _, err := q.Exec(ctx, stmt, args...); err != nil {
			return fmt.Errorf("fill %s: %w", t.Name, err)
		}
		if err := rebuild(ctx); err != nil {
			return err
		}
	}
	return nil
}

// Rebuild recounts every roll-up from the base tables. Run it in a
// transaction (the rollup rebuild command does): readers see the old rows
// until it commits.
func Rebuild(ctx context.Context, q store.Querier) error {
	if err := lock(ctx, q); err != nil {
		return err
	}
	if err := refill(ctx, q, Tables, nil); err != nil {
		return fmt.Errorf("rebuild roll-ups: %w", err)
	}
	// The figures are the same if the roll-ups were right, but they were
	// rebuilt because they might not have been.
	return store.BumpDataVersion(ctx, q)
}
