package analytics

import (
	"context"
	"fmt"
	"strconv"

	"github.com/civicgraph/civicgraph/internal/store"
)

// groupRow is one group of a stats answer: its keys in the order of the
// plan's dimensions (int64 ids and years, string labels and enum values, nil
// for a NULL key), the codes of entity and region keys (for ordering), and
// the fact's measures in the order of fact.measures.
type groupRow struct {
	keys  []any
	codes []string
	vals  []int64
}

// groupReader answers a planned question with one row per non-empty group,
// in key order. baseTables reads the base tables; a rollupReader reads a
// pre-aggregated table, with the same rows.
type groupReader interface {
	groups(ctx context.Context, q store.Querier, f *fact, p *plan) ([]groupRow, error)
}

// reader picks the source for a plan: the smallest roll-up that can answer
// it exactly (see rollupFor for when one can), else the base tables. This
// is the one place the choice is made.
func (s *Stats) reader(f *fact, p *plan) groupReader {
	if s.baseOnly {
		return baseTables{}
	}
	if r := rollupFor(f, p); r != nil {
		return r
	}
	return baseTables{}
}

// baseTables answers with one GROUP BY statement over the fact's table: the
// aggregation reads the fact (an index range scan on (region_path, time)
// when where has withinRegion and a window is given), joined only to the
// small region map when grouping by REGION.
type baseTables struct{}

func (baseTables) groups(ctx context.Context, q store.Querier, f *fact, p *plan) ([]groupRow, error) {
	return readGroups(ctx, q, f, p, func(b *sqlBuf) {
		measures := make([]string, len(f.measures))
		for i, m := range f.measures {
			measures[i] = m + " AS m" + itoa(i)
		}
		writeSource(b, f, p, measures, "")
		writeGroupBy(b, len(p.dims))
	})
}

// writeGroupBy groups by the first n columns.
func writeGroupBy(b *sqlBuf, n int) {
	for i := 0; i < n; i++ {
		if i == 0 {
			b.w(" GROUP BY ")
		} else {
			b.w(", ")
		}
		b.w(itoa(i + 1))
	}
}

// readGroups runs the grouped statement that inner writes (a SELECT of the
// keys k0, k1, ... and the fact's measures m0, m1, ..., one row per group),
// joins its few groups to their entities for the codes that order them,
// and returns the non-empty groups in key order.
func readGroups(ctx context.Context, q store.Querier, f *fact, p *plan, inner func(b *sqlBuf)) ([]groupRow, error) {
	b := &sqlBuf{}
	b.w("SELECT ")
	for i, d := range p.dims {
		b.w("g.k", itoa(i), ", ")
		if d.codeTable != "" {
			b.w("o", itoa(i), ".code, ")
		}
	}
	for i := range f.measures {
		if i > 0 {
			b.w(", ")
		}
		b.w("g.m", itoa(i))
	}
	b.w(" FROM (")
	inner(b)
	b.w(") g")
	for i, d := range p.dims {
		if d.codeTable != "" {
			o := "o" + itoa(i)
			b.w(" LEFT JOIN ", d.codeTable, " ", o, " ON ", o, ".id = g.k", itoa(i))
		}
	}
	rows, err := q.Query(ctx, b.String(), b.args...)
	if err != nil {
		return nil, fmt.Errorf("%s stats: %w", f.entity, err)
	}
	defer rows.Close()
	var out []groupRow
	for rows.Next() {
		r, err := scanGroup(rows, p.dims, len(f.measures))
		if err != nil {
			return nil, fmt.Errorf("%s stats: %w", f.entity, err)
		}
		if r.vals[0] > 0 { // no grouping over no rows still gives one row
			out = append(out, r)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s stats: %w", f.entity, err)
	}
	sortGroups(out, p.dims)
	return out, nil
}

// scanner is what scanGroup needs of *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// scanGroup reads one row of keys (each followed by its code when the
// dimension has one) and measures.
func scanGroup(rows scanner, dims []dimension, measures int) (groupRow, error) {
	var dest []any
	for _, d := range dims {
		dest = append(dest, new(any))
		if d.codeTable != "" {
			dest = append(dest, new(any))
		}
	}
	for i := 0; i < measures; i++ {
		dest = append(dest, new(any))
	}
	if err := rows.Scan(dest...); err != nil {
		return groupRow{}, err
	}
	r := groupRow{keys: make([]any, len(dims)), codes: make([]string, len(dims)), vals: make([]int64, measures)}
	i := 0
	for k, d := range dims {
		r.keys[k] = keyValue(*dest[i].(*any))
		i++
		if d.codeTable != "" {
			r.codes[k], _ = keyValue(*dest[i].(*any)).(string)
			i++
		}
	}
	for m := range r.vals {
		n, err := toInt64(*dest[i].(*any))
		if err != nil {
			return groupRow{}, fmt.Errorf("measure %d: %w", m, err)
		}
		r.vals[m] = n
		i++
	}
	return r, nil
}

// keyValue normalizes a driver value: text as string, integers as int64.
func keyValue(v any) any {
	switch x := v.(type) {
	case []byte:
		return string(x)
	case int32:
		return int64(x)
	case int:
		return int64(x)
	}
	return v
}

// toInt64 reads a count or sum; NULL (a SUM over no rows) is 0.
func toInt64(v any) (int64, error) {
	switch x := keyValue(v).(type) {
	case nil:
		return 0, nil
	case int64:
		return x, nil
	case float64:
		return int64(x), nil
	case string:
		return strconv.ParseInt(x, 10, 64)
	}
	return 0, fmt.Errorf("unexpected %T for a count", v)
}
