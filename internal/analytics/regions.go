package analytics

import (
	"context"
	"fmt"
	"time"

	"github.com/civicgraph/civicgraph/internal/auth"
	"github.com/civicgraph/civicgraph/internal/query"
	"github.com/civicgraph/civicgraph/internal/store"
)

// regionInfo is what a per-region figure needs to know about its region:
// the path its subtree is a range of, and the time zone its "today" and
// quarters are cut in.
type regionInfo struct {
	id   int64
	path string
	zone *time.Location
}

// regions loads the regions with the given ids (unknown ids are absent from
// the result) in one statement. A region's zone is its own time_zone or its
// nearest ancestor's (the longest ancestor path with one), else the default;
// a zone name Go cannot load falls back to the default too. An archived
// region is unknown, like one the principal may not see.
func (s *Stats) regions(ctx context.Context, ids []int64) (map[int64]*regionInfo, error) {
	out := map[int64]*regionInfo{}
	if len(ids) == 0 {
		return out, nil
	}
	b := &sqlBuf{}
	b.w("SELECT r.id, r.path, a.path, a.time_zone FROM regions r LEFT JOIN regions a",
		" ON a.time_zone IS NOT NULL AND a.time_zone <> ''",
		" AND r.path >= a.path AND r.path < substr(a.path, 1, length(a.path) - 1) || '0'",
		" WHERE r.id IN ").ids(ids).w(" AND ", query.Live("r"))
	// A region the principal may not see has no figures for it.
	if cond, args := query.Visible(auth.From(ctx), store.Catalog["Region"], "r"); cond != "" {
		b.w(" AND ").frag(cond, args)
	}
	rows, err := s.q.Query(ctx, b.String(), b.args...)
	if err != nil {
		return nil, fmt.Errorf("load regions: %w", err)
	}
	defer rows.Close()
	best := map[int64]string{} // region id -> path of the ancestor whose zone won
	names := map[int64]string{}
	for rows.Next() {
		var (
			id              int64
			path            string
			zonePath, zname *string
		)
		if err := rows.Scan(&id, &path, &zonePath, &zname); err != nil {
			return nil, fmt.Errorf("load regions: %w", err)
		}
		if _, ok := out[id]; !ok {
			out[id] = &regionInfo{id: id, path: path, zone: s.zone}
		}
		if zonePath != nil && zname != nil && len(*zonePath) > len(best[id]) {
			best[id], names[id] = *zonePath, *zname
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load regions: %w", err)
	}
	for id, name := range names {
		// "Local" would mean the server's zone, which PostgreSQL cannot name.
		if loc, err := time.LoadLocation(name); err == nil && name != "Local" {
			out[id].zone = loc
		}
	}
	return out, nil
}
