package rollup

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/civicgraph/civicgraph/internal/store"
)

// Difference is a key whose roll-up row does not say what the base tables
// say: wrong measures, a row missing or left over, or the key held by more
// than one row.
type Difference struct {
	Table string
	// Key names the key's columns and values: "region_path=/1/2/
	// month=2022-06 category_id=7" (NULL for a null key).
	Key string
	// RollUp and Base are the measures each side has (in Table.Measures
	// order); nil when that side has no row for the key.
	RollUp, Base []int64
	// Copies is how many roll-up rows hold the key, when more than one.
	Copies int
}

func (d Difference) String() string {
	side := func(v []int64) string {
		if v == nil {
			return "no row"
		}
		return fmt.Sprint(v)
	}
	s := fmt.Sprintf("%s %s: roll-up %s, base tables %s", d.Table, d.Key, side(d.RollUp), side(d.Base))
	if d.Copies > 1 {
		s += fmt.Sprintf(" (%d rows hold the key)", d.Copies)
	}
	return s
}

// Verify counts every roll-up again from the base tables (their live rows,
// as Rebuild does) and returns each key where the two differ, by table and
// key; none when all agree. Each
// table is compared in one statement, so it sees one snapshot of the store.
func Verify(ctx context.Context, q store.Querier) ([]Difference, error) {
	var out []Difference
	for _, t := range Tables {
		diffs, err := verifyTable(ctx, q, t)
		if err != nil {
			return nil, fmt.Errorf("verify %s: %w", t.Name, err)
		}
		out = append(out, diffs...)
	}
	return out, nil
}

// verifyTable compares the table with its count from the base tables both
// ways (EXCEPT treats NULL keys as equal, as grouping does), and finds keys
// held by more than one row, which EXCEPT would hide.
func verifyTable(ctx context.Context, q store.Querier, t *Table) ([]Difference, error) {
	keys := strings.Join(t.keyColumns(), ", ")
	stmt := "WITH a AS (SELECT " + strings.Join(t.columns(), ", ") + " FROM " + t.Name + "), e AS (" +
		countSQL(q.Dialect(), t, nil) + ")" +
		" SELECT 'r', x.* FROM (SELECT * FROM a EXCEPT SELECT * FROM e) x" +
		" UNION ALL SELECT 'b', y.* FROM (SELECT * FROM e EXCEPT SELECT * FROM a) y"
	byKey := map[string]*Difference{}
	get := func(key string) *Difference {
		if d, ok := byKey[key]; ok {
			return d
		}
		d := &Difference{Table: t.Name, Key: key}
		byKey[key] = d
		return d
	}
	err := scanKeyed(ctx, q, t, stmt, 1, func(tag, key string, vals []int64) {
		if tag == "r" {
			get(key).RollUp = vals
		} else {
			get(key).Base = vals
		}
	})
	if err != nil {
		return nil, err
	}
	dup := "SELECT 'd', " + keys + ", COUNT(*) FROM " + t.Name + " GROUP BY " + keys + " HAVING COUNT(*) > 1"
	err = scanKeyed(ctx, q, t, dup, 0, func(_, key string, vals []int64) {
		d := get(key)
		d.Copies = int(vals[0])
	})
	if err != nil {
		return nil, err
	}
	out := make([]Difference, 0, len(byKey))
	for _, d := range byKey {
		out = append(out, *d)
	}
	slices.SortFunc(out, func(a, b Difference) int { return strings.Compare(a.Key, b.Key) })
	return out, nil
}

// scanKeyed runs stmt, whose rows are a tag, t's key columns and then
// numbers (t's measures when measures is 1, one count when 0), and hands
// each row's tag, rendered key and numbers to fn.
func scanKeyed(ctx context.Context, q store.Querier, t *Table, stmt string, measures int, fn func(tag, key string, vals []int64)) error {
	rows, err := q.Query(ctx, stmt)
	if err != nil {
		return err
	}
	defer rows.Close()
	kc := t.keyColumns()
	n := 1
	if measures == 1 {
		n = len(t.Measures)
	}
	dest := make([]any, 1+len(kc)+n)
	for i := range dest {
		dest[i] = new(any)
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		parts := make([]string, len(kc))
		for i, c := range kc {
			parts[i] = c + "=" + render(*dest[1+i].(*any))
		}
		vals := make([]int64, n)
		for i := range vals {
			v, err := strconv.ParseInt(render(*dest[1+len(kc)+i].(*any)), 10, 64)
			if err != nil {
				return fmt.Errorf("read a measure: %w", err)
			}
			vals[i] = v
		}
		fn(render(*dest[0].(*any)), strings.Join(parts, " "), vals)
	}
	return rows.Err()
}

// render writes a driver value as text: NULL for nil.
func render(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case []byte:
		return string(x)
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}
