package analytics

import (
	"time"

	"github.com/civicgraph/civicgraph/internal/store"
)

// fact is a base table that stats are computed over: the entity whose where
// input filters it, the column its window and periods use, the dimensions it
// can be grouped by and the measures each group gets. Every fact is region
// bound: its region_path is the path of the region its row hangs from.
type fact struct {
	entity string // catalog name, for the where translator
	table  string
	alias  string // chosen so as not to clash with the translator's t1, t2, pr, lk
	// instant is the time column windows and periods use (occurred_at,
	// raised_at); date is used instead by facts that only have a date
	// (started_on), compared as a local date.
	instant, date string
	dims          []dimension
	// measures are aggregate expressions over alias; the first is COUNT(*),
	// which tells empty groups apart.
	measures []string
}

func (f *fact) dimension(name string) (dimension, bool) {
	for _, d := range f.dims {
		if d.name == name {
			return d, true
		}
	}
	return dimension{}, false
}

// writeSource writes "SELECT <keys AS k0, k1, ...>, cols FROM <table> <joins>
// WHERE <where> <window> [AND extra]": the rows of the fact that the plan
// selects, with their group keys. Callers add GROUP BY (aggregates) or not
// (per-row values such as demand durations).
func writeSource(b *sqlBuf, f *fact, p *plan, cols []string, extra string) {
	b.w("SELECT ")
	n := 0
	for i, d := range p.dims {
		if n > 0 {
			b.w(", ")
		}
		writeKey(b, f, p, d)
		b.w(" AS k", itoa(i))
		n++
	}
	for _, c := range cols {
		if n > 0 {
			b.w(", ")
		}
		b.w(c)
		n++
	}
	b.w(" FROM ", f.table, " ", f.alias)
	for _, d := range p.dims {
		if d.kind == regionKey {
			writeRegionJoin(b, f, p.level)
		}
	}
	b.w(" WHERE ").frag(p.cond, p.condArgs)
	writeWindow(b, f, p)
	if extra != "" {
		b.w(" AND ", extra)
	}
}

// writeKey writes the SQL of one group key.
func writeKey(b *sqlBuf, f *fact, p *plan, d dimension) {
	switch d.kind {
	case regionKey:
		b.w("rg.id")
	case periodKey:
		writePeriodLabel(b, p.dialect, f.alias+"."+f.instant, p.unit, p.zone, p.from, p.to)
	default:
		b.w(f.alias, ".", d.column)
	}
}

// writeRegionJoin joins the region a row is grouped under as rg. Without a
// level it is the region the row hangs from (its region_path is exactly
// that region's path); a row hanging from no region (a mentorship of a
// studio without one) gets a NULL key, like any other NULL key. With a level
// it is the row's ancestor at that level: a small map from every region's
// path to its ancestor at the level (a region is its own ancestor) is built
// over the regions table and joined on equality, so the fact side is an
// equi-join rather than a range join per row. Rows with no ancestor at the
// level find no partner and drop out: they form no group.
func writeRegionJoin(b *sqlBuf, f *fact, level string) {
	if level == "" {
		b.w(" LEFT JOIN regions rg ON rg.path = ", f.alias, ".region_path")
		return
	}
	b.w(" JOIN (SELECT rs.path AS path, ra.id AS id FROM regions rs JOIN regions ra ON ra.level = ").arg(level)
	b.w(" AND rs.path >= ra.path AND rs.path < substr(ra.path, 1, length(ra.path) - 1) || '0') rg ON rg.path = ",
		f.alias, ".region_path")
}

// writeWindow writes the window's bounds: half-open [from, to) on the
// instant column, or on the date column compared as local dates (the local
// dates of from and to in the zone; a mentorship with no start date is
// outside any window).
func writeWindow(b *sqlBuf, f *fact, p *plan) {
	bound := func(t *time.Time, op string) {
		if t == nil {
			return
		}
		if f.instant != "" {
			b.w(" AND ", f.alias, ".", f.instant, op).arg(*t)
			return
		}
		b.w(" AND ", f.alias, ".", f.date, op).arg(store.Date(t.In(p.zone).Format(time.DateOnly)))
	}
	bound(p.from, " >= ")
	bound(p.to, " < ")
}
