package rollup

import (
	"strings"
	"time"

	"github.com/civicgraph/civicgraph/internal/store"
)

// scope restricts a refresh statement to some keys, listed in a CTE
// k(key, ...). Three kinds:
//
//   - region paths (k.key): every roll-up row and base row under them;
//   - communities in local months (k.key, k.m): the roll-ups counted from
//     the base rows of a community, which an index on (community_id,
//     occurred_at) finds, a few hundred a month at city scale;
//   - region paths in local months: the roll-ups summed from those, whose
//     rows are per region path.
//
// Month keys carry k.lo and k.hi, the month's instants with a day to spare
// on each side, and k.dlo and k.dhi, its first day and the next month's.
type scope struct {
	by     string // the key column: region_path or community_id
	months bool
	with   string
	args   []any
	paths  []string // a path-month scope's paths, for the roll-ups without periods
	staged bool     // the keys' base rows are in touchedRecords (stage.go)
}

// monthly is a key (a community id or a region path) in a local month.
type monthly struct {
	key   any
	month int // year*12 + month-1
}

// pathScope lists region paths.
func pathScope(paths []string) *scope {
	args := make([]any, len(paths))
	for i, p := range paths {
		args[i] = p
	}
	return &scope{by: "region_path", with: values("k(key)", "(CAST(? AS text))", len(paths)), args: args}
}

// monthScope lists keys of the column by in local months; paths are the
// region paths of path-month keys.
func monthScope(d store.Dialect, by string, keys []monthly, paths []string) (*scope, error) {
	key, instant := "CAST(? AS text)", "CAST(? AS text)" // SQLite compares its UTC text
	if by == "community_id" {
		key = "CAST(? AS bigint)"
	}
	if d == store.Postgres {
		instant = "CAST(? AS timestamptz)"
	}
	tuple := "(" + key + ", CAST(? AS text), " + instant + ", " + instant + ", CAST(? AS text), CAST(? AS text))"
	args := make([]any, 0, 6*len(keys))
	for _, k := range keys {
		m := monthLabel(k.month)
		start, end, err := monthBounds(m)
		if err != nil {
			return nil, err
		}
		args = append(args, k.key, m, start.Add(-24*time.Hour), end.Add(24*time.Hour),
			start.Format(time.DateOnly), end.Format(time.DateOnly))
	}
	return &scope{by: by, months: true, with: values("k(key, m, lo, hi, dlo, dhi)", tuple, len(keys)), args: args, paths: paths}, nil
}

func values(name, tuple string, n int) string {
	return "WITH " + name + " AS (VALUES " + strings.TrimSuffix(strings.Repeat(tuple+", ", n), ", ") + ") "
}

// scopeFor is the scope of t's rows that the scope's keys name (nil: all
// of them), and false when they name none: community months name the rows
// of the roll-ups counted from base rows by community; path months those
// of the roll-ups summed from other roll-ups (all months of their paths in
// one without periods); paths name the rows of every roll-up.
func (sc *scope) scopeFor(t *Table) (*scope, bool) {
	switch {
	case sc == nil || !sc.months:
		return sc, true
	case sc.by == "community_id":
		return sc, t.from == nil && t.Has("community_id")
	case t.from == nil:
		return nil, false
	case t.Period == "":
		return pathScope(sc.paths), true
	}
	return sc, true
}

// match is the condition that a row (alias x) of roll-up t has a key of the
// scope.
func (sc *scope) match(t *Table, x string) string {
	cond := "k.key = " + x + "." + sc.by
	switch {
	case !sc.months:
	case t.Period == "month":
		cond += " AND k.m = " + x + ".month"
	default:
		cond += " AND " + x + ".day >= k.dlo AND " + x + ".day < k.dhi"
	}
	return cond
}
