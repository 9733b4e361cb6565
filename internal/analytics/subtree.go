package analytics

import (
	"context"
	"fmt"
	"slices"

	"github.com/civicgraph/civicgraph/internal/query"
	"github.com/civicgraph/civicgraph/internal/store"
)

// subtreeQuery is a per-region figure over a region-bound table (alias x):
// aggregate expressions cols (with the arguments of their placeholders, in
// order) over the rows that also match cond (with its arguments). Only
// live rows of an entity table count; a roll-up holds live rows only.
type subtreeQuery struct {
	table    string
	cols     []string
	colArgs  []any
	cond     string
	condArgs []any
}

// subtreeFigures runs one statement that aggregates the rows of the table
// hanging anywhere under each of the regions, one result row per region that
// has any: "x.region_path in the region's path range" is an index range scan
// per region. Regions without rows are absent.
func (s *Stats) subtreeFigures(ctx context.Context, ids []int64, sq subtreeQuery) (map[int64][]int64, error) {
	table, cols := sq.table, sq.cols
	b := &sqlBuf{}
	b.w("SELECT r.id")
	for _, c := range cols {
		b.w(", ", c)
	}
	b.args = append(b.args, sq.colArgs...)
	b.w(" FROM regions r JOIN ", table, " x ON x.region_path >= r.path",
		" AND x.region_path < substr(r.path, 1, length(r.path) - 1) || '0' WHERE r.id IN ").ids(ids)
	if liveTable(table) {
		b.w(" AND ", query.Live("x"))
	}
	if sq.cond != "" {
		b.w(" AND ").frag(sq.cond, sq.condArgs)
	}
	b.w(" GROUP BY r.id")
	rows, err := s.q.Query(ctx, b.String(), b.args...)
	if err != nil {
		return nil, fmt.Errorf("%s per region: %w", table, err)
	}
	defer rows.Close()
	out := map[int64][]int64{}
	dest := make([]any, len(cols)+1)
	for i := range dest {
		dest[i] = new(any)
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("%s per region: %w", table, err)
		}
		id, err := toInt64(*dest[0].(*any))
		if err != nil {
			return nil, fmt.Errorf("%s per region: %w", table, err)
		}
		vals := make([]int64, len(cols))
		for i := range vals {
			if vals[i], err = toInt64(*dest[i+1].(*any)); err != nil {
				return nil, fmt.Errorf("%s per region: %w", table, err)
			}
		}
		out[id] = vals
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s per region: %w", table, err)
	}
	return out, nil
}

// liveTable says whether table is an entity table with archived rows to
// leave out.
func liveTable(table string) bool {
	for _, e := range store.Catalog {
		if e.Table == table {
			return query.Archivable(e)
		}
	}
	return false
}

// idsOf lists the ids of the regions, in a stable order.
func idsOf(regions map[int64]*regionInfo) []int64 {
	ids := make([]int64, 0, len(regions))
	for id := range regions {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}
