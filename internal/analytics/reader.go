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
// in key order. baseTables reads the base tables; a roll-up reader will
// answer from pre-aggregated tables when the plan allows, with the same rows.
type groupReader interface {
	groups(ctx context.Context, q store.Querier, f *fact, p *plan) ([]groupRow, error)
}

// reader picks the source for a plan. Roll-ups do not exist yet, so it is
// always the base tables.
func (s *Stats) reader(*fact, *plan) groupReader { return baseTables{} }

// baseTables answers with one GROUP BY statement over the fact's table: the
// aggregation reads the fact (an index range scan on (region_path, time)
// when where has withinRegion and a window is given), joined only to the
// small region map when grouping by REGION; the few resulting groups are
// then joined to their entities for the codes that order them.
type baseTables struct{}

func (baseTables) groups(ctx context.Context, q store.Querier, f *fact, p *plan) ([]groupRow, error) {
	b := &sqlBuf{}
	b.w("SELECT ")
	for i, d := range p.dims {
		b.w("g.k", itoa(i), ", ")
		if d.codeTable != "" {
			b.w("o", itoa(i), ".code, ")
		}
	}
	measures := make([]string, len(f.measures))
	for i, m := range f.measures {
		if i > 0 {
			b.w(", ")
		}
		b.w("g.m", itoa(i))
		measures[i] = m + " AS m" + itoa(i)
	}
	b.w(" FROM (")
	writeSource(b, f, p, measures, "")
	if len(p.dims) > 0 {
		b.w(" GROUP BY ")
		for i := range p.dims {
			if i > 0 {
				b.w(", ")
			}
			b.w(itoa(i + 1))
		}
	}
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
