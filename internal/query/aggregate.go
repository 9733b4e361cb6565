package query

import (
	"context"
	"fmt"

	"github.com/civicgraph/civicgraph/internal/store"
)

// Measure is one aggregate a client asked for: a function (sum, avg, min,
// max) over a numeric, date or time field.
type Measure struct {
	Fn    string // "sum", "avg", "min" or "max"
	Field string // GraphQL field name
}

// Totals are the aggregates over everything a where selects (not one page):
// the row count and each measure's value, typed as the GraphQL field is
// (int, float64, store.Date, time.Time) or nil when there are no rows.
type Totals struct {
	Count  int
	Values map[string]map[string]any // fn -> field -> value
}

// Aggregate computes count and measures over the live rows of a root
// connection that w selects.
func Aggregate(ctx context.Context, q store.Querier, e *store.Entity, w map[string]any, ms []Measure) (*Totals, error) {
	return AggregateRoot(ctx, q, e, Args{Where: w}, ms)
}

// AggregateRoot computes count and measures over the rows of a root
// connection with arguments a: those a.Where selects, archived ones too
// with a.IncludeArchived (the page arguments do not matter), so that
// totalCount and aggregate count what the connection lists.
func AggregateRoot(ctx context.Context, q store.Querier, e *store.Entity, a Args, ms []Measure) (*Totals, error) {
	b := newBuilder(ctx, q.Dialect())
	b.write("SELECT COUNT(*)")
	if err := writeMeasures(b, e, ms); err != nil {
		return nil, err
	}
	b.write(" FROM ", e.Table, " t WHERE ")
	if err := filter(b, e, "t", a.Where, a.IncludeArchived); err != nil {
		return nil, err
	}
	all, err := readTotals(ctx, q, b, e, ms, false)
	if err != nil {
		return nil, err
	}
	if t, ok := all[0]; ok {
		return t, nil
	}
	return emptyTotals(ms), nil
}

// AggregateNested computes count and measures per parent of a nested
// connection (its live rows), in one statement.
func AggregateNested(ctx context.Context, q store.Querier, e *store.Entity, l Link, parents []int64, w map[string]any, ms []Measure) (map[int64]*Totals, error) {
	b := newBuilder(ctx, q.Dialect())
	inner := newBuilder(ctx, q.Dialect())
	parentExpr := l.writeFrom(inner, e, parents)
	inner.write(" AND ")
	if err := filter(inner, e, "t", w, false); err != nil {
		return nil, err
	}
	b.write("SELECT COUNT(*)")
	if err := writeMeasures(b, e, ms); err != nil {
		return nil, err
	}
	b.write(", ", parentExpr, inner.String(), " GROUP BY ", parentExpr)
	b.args = append(b.args, inner.args...)
	all, err := readTotals(ctx, q, b, e, ms, true)
	if err != nil {
		return nil, err
	}
	for _, p := range parents {
		if _, ok := all[p]; !ok {
			all[p] = emptyTotals(ms)
		}
	}
	return all, nil
}

func writeMeasures(b *builder, e *store.Entity, ms []Measure) error {
	for _, m := range ms {
		fld, ok := e.Fields[m.Field]
		if !ok {
			return fmt.Errorf("aggregate %s: no field %q in the catalog", e.Name, m.Field)
		}
		if fld.PII && !b.who.ReadsPII() {
			return piiForbidden(e, m.Field, "aggregating")
		}
		col := "t." + fld.Column
		switch m.Fn {
		case "sum", "min", "max":
			b.write(", ", m.Fn, "(", col, ")")
		case "avg":
			// Averages of doubles: exact sums of integers, so both stores agree
			// to the last bit.
			b.write(", AVG(CAST(", col, " AS ", floatType(b.dialect), "))")
		default:
			return fmt.Errorf("aggregate function %q is not supported", m.Fn)
		}
	}
	return nil
}

func floatType(d store.Dialect) string {
	if d == store.Postgres {
		return "double precision"
	}
	return "REAL"
}

func emptyTotals(ms []Measure) *Totals {
	t := &Totals{Values: map[string]map[string]any{}}
	for _, m := range ms {
		if t.Values[m.Fn] == nil {
			t.Values[m.Fn] = map[string]any{}
		}
		t.Values[m.Fn][m.Field] = nil
	}
	return t
}

// readTotals runs the aggregate statement and types its values; with
// grouped, the last column is the parent id.
func readTotals(ctx context.Context, q store.Querier, b *builder, e *store.Entity, ms []Measure, grouped bool) (map[int64]*Totals, error) {
	rows, err := q.Query(ctx, b.String(), b.args...)
	if err != nil {
		return nil, fmt.Errorf("aggregate %s: %w", e.Name, err)
	}
	defer rows.Close()
	n := 1 + len(ms)
	if grouped {
		n++
	}
	vals := make([]any, n)
	ptrs := make([]any, n)
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	out := map[int64]*Totals{}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, fmt.Errorf("aggregate %s: %w", e.Name, err)
		}
		t := emptyTotals(ms)
		t.Count = int(toInt64(vals[0]))
		for i, m := range ms {
			v, err := typed(e.Fields[m.Field].Type, m.Fn, vals[1+i])
			if err != nil {
				return nil, fmt.Errorf("aggregate %s.%s: %w", e.Name, m.Field, err)
			}
			t.Values[m.Fn][m.Field] = v
		}
		var parent int64
		if grouped {
			parent = toInt64(vals[n-1])
		}
		out[parent] = t
	}
	return out, rows.Err()
}

// typed converts an aggregate's driver value to the Go type of its GraphQL
// field.
func typed(ft store.FieldType, fn string, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	if fn == "avg" {
		return toFloat(v), nil
	}
	switch ft {
	case store.Int:
		return int(toInt64(v)), nil
	case store.Float:
		return toFloat(v), nil
	case store.DateField:
		return store.ToDate(v)
	case store.TimeField:
		return store.ToTime(v)
	}
	return nil, fmt.Errorf("no aggregate for field type %d", ft)
}

func toFloat(v any) float64 {
	switch n := v.(type) {
	case float64:
		return n
	case int64:
		return float64(n)
	case float32:
		return float64(n)
	}
	return 0
}
