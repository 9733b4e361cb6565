package query

import (
	"context"
	"fmt"

	"github.com/civicgraph/civicgraph/internal/store"
)

// MaxLineageDepth bounds a mentor lineage walk; it also stops cycles in bad
// data from running forever.
const MaxLineageDepth = 64

// LineageLink is one step of a mentor's lineage: the mentorship through which
// a trainee was trained, at depth 1 by the mentor themself, at depth 2 by one
// of those trainees, and so on.
type LineageLink struct {
	Root         int64 // the person whose lineage this is
	Depth        int
	MentorshipID int64
	MentorID     int64
	TraineeID    int64
}

// Lineage walks the mentorship graph down from each root person, to depth
// levels (0: any depth up to MaxLineageDepth), in one recursive SQL
// statement for all roots. A mentorship reached by several paths counts once,
// at its smallest depth; a person is never visited twice on one path.
func Lineage(ctx context.Context, q store.Querier, roots []int64, depth int) (map[int64][]LineageLink, error) {
	if depth <= 0 || depth > MaxLineageDepth {
		depth = MaxLineageDepth
	}
	d := q.Dialect()
	// visited is ",id,id,...," of the people on the path so far.
	edge := "',' || " + d.Cast("m.trainee_id", "TEXT") + " || ','"
	b := newBuilder(ctx, d)
	b.write(`WITH RECURSIVE walk(root, depth, mentorship_id, mentor_id, trainee_id, visited) AS (
  SELECT m.mentor_id, 1, m.id, m.mentor_id, m.trainee_id, ',' || `, d.Cast("m.mentor_id", "TEXT"), ` || `, edge, `
  FROM mentorships m WHERE m.mentor_id IN `).list(int64s(roots))
	// A mentorship the principal may not see, or an archived one, is not a
	// step of any walk.
	m := store.Catalog["Mentorship"]
	b.readable(m, "m")
	b.write(`
  UNION ALL
  SELECT w.root, w.depth + 1, m.id, m.mentor_id, m.trainee_id, w.visited || `, d.Cast("m.trainee_id", "TEXT"), ` || ','
  FROM walk w JOIN mentorships m ON m.mentor_id = w.trainee_id
  WHERE w.depth < `).arg(depth).write(" AND ", d.Position("w.visited", edge), ` = 0`)
	b.readable(m, "m")
	b.write(`
)
SELECT root, MIN(depth), mentorship_id, mentor_id, trainee_id FROM walk
GROUP BY root, mentorship_id, mentor_id, trainee_id
ORDER BY root, MIN(depth), mentorship_id`)
	rows, err := q.Query(ctx, b.String(), b.args...)
	if err != nil {
		return nil, fmt.Errorf("mentor lineage: %w", err)
	}
	defer rows.Close()
	out := map[int64][]LineageLink{}
	for rows.Next() {
		var l LineageLink
		if err := rows.Scan(&l.Root, &l.Depth, &l.MentorshipID, &l.MentorID, &l.TraineeID); err != nil {
			return nil, fmt.Errorf("mentor lineage: %w", err)
		}
		out[l.Root] = append(out[l.Root], l)
	}
	return out, rows.Err()
}
