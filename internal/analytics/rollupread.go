package analytics

import (
	"context"
	"github.com/civicgraph/civicgraph/internal/auth"
	"time"

	"github.com/civicgraph/civicgraph/internal/query"
	"github.com/civicgraph/civicgraph/internal/rollup"
	"github.com/civicgraph/civicgraph/internal/store"
)

// A service stats question is answered from a roll-up (package rollup)
// exactly when the roll-up holds everything the question looks at, so that
// summing its rows gives what counting the base rows gives:
//
//   - grouping: REGION (any level: the roll-up keeps the region path),
//     and COMMUNITY, CATEGORY, ORGANIZATION (provider), ALLIANCE only when
//     the roll-up has that column; PERIOD when the roll-up has periods that
//     make up the unit (months make MONTH, QUARTER, YEAR; days make every
//     unit) and the question is cut in the roll-up's zone, Asia/Shanghai;
//   - window: each bound open or on the first instant of a roll-up period
//     (a local month, or day) in Asia/Shanghai, whatever zone the question
//     is otherwise cut in; relative windows of Shanghai questions always
//     are;
//   - where: withinRegion (as the roll-up's region_path), the relations
//     community, category, provider and alliance with any filter of their
//     own when the roll-up has the column, event: null and event: {kind}
//     when it has the event kind (the latter not under not, where a NULL
//     event would count differently), combined with and, or and not.
//     Anything else (occurredAt, peopleServed, resolved, id, code, the
//     provider person, recipient or demand) needs the base rows.
//
// The first of rollup.ServiceTables (smallest first) that qualifies is read;
// when none does, the base tables are.

// rollupReader answers a plan from one roll-up table.
type rollupReader struct {
	t        *rollup.Table
	cond     string // where, rewritten for the table, as SQL on alias ru
	condArgs []any
}

// rollupDims are the roll-up columns of the service dimensions.
var rollupDims = map[string]string{
	"REGION": "region_path", "COMMUNITY": "community_id", "CATEGORY": "category_id",
	"ORGANIZATION": "provider_id", "ALLIANCE": "alliance_id",
}

// rollupFor returns the reader of the smallest roll-up that answers the
// plan exactly, or nil.
func rollupFor(f *fact, p *plan) *rollupReader {
	if f.entity != "ServiceRecord" || !rollupScoped(p.who) {
		return nil
	}
	for _, t := range rollup.ServiceTables {
		if !rollupGroups(t, p) || !rollupWindow(t, p) {
			continue
		}
		e := rollupEntity(t)
		w, ok := rollupWhere(p.where, e, false)
		if !ok {
			continue
		}
		cond, args, err := query.Condition(p.who, p.dialect, e, "ru", w)
		if err != nil {
			continue
		}
		return &rollupReader{t: t, cond: cond, condArgs: args}
	}
	return nil
}

// rollupScoped says whether the roll-ups can hold exactly what who may see:
// everything, or a region subtree (the roll-up's region_path range, which
// the translator adds for a region-scoped principal as for the base
// table). A partner's share (its alliances' communities) is read from the
// base tables.
func rollupScoped(who *auth.Principal) bool {
	cond, _ := query.Visible(who, store.Catalog["ServiceRecord"], "x")
	return cond == "" || who.Scope.Kind == auth.ScopeRegion
}

// rollupGroups says whether t has every grouped dimension.
func rollupGroups(t *rollup.Table, p *plan) bool {
	for _, d := range p.dims {
		if d.kind == periodKey {
			if t.Period == "" || p.zone.String() != rollup.Zone.String() {
				return false
			}
			if t.Period == "month" && (p.unit == "DAY" || p.unit == "WEEK") {
				return false
			}
			continue
		}
		col, ok := rollupDims[d.name]
		if !ok || !t.Has(col) {
			return false
		}
	}
	return true
}

// rollupWindow says whether the window's bounds fall on t's periods.
func rollupWindow(t *rollup.Table, p *plan) bool {
	if p.from == nil && p.to == nil {
		return true
	}
	if t.Period == "" {
		return false
	}
	return onPeriodStart(t.Period, p.from) && onPeriodStart(t.Period, p.to)
}

// onPeriodStart says whether the bound is open or the first instant of a
// local month (or day) in the roll-up zone, in years whose labels sort.
func onPeriodStart(period string, at *time.Time) bool {
	if at == nil {
		return true
	}
	l := at.In(rollup.Zone)
	if l.Year() < 1000 || l.Year() > 9999 {
		return false
	}
	day := 1
	if period == "day" {
		day = l.Day()
	}
	return at.Equal(time.Date(l.Year(), l.Month(), day, 0, 0, 0, 0, rollup.Zone))
}

// periodBound is the label of the roll-up period a bound starts.
func periodBound(period string, at time.Time) string {
	if period == "day" {
		return at.In(rollup.Zone).Format(time.DateOnly)
	}
	return at.In(rollup.Zone).Format("2006-01")
}

func (r *rollupReader) groups(ctx context.Context, q store.Querier, f *fact, p *plan) ([]groupRow, error) {
	return readGroups(ctx, q, f, p, func(b *sqlBuf) { r.writeSource(b, f, p) })
}

// writeSource writes the grouped SELECT over the roll-up: the same keys as
// the base tables' (regions through the same map, periods relabelled from
// the roll-up's), and the sums of its measures in the fact's order.
func (r *rollupReader) writeSource(b *sqlBuf, f *fact, p *plan) {
	t := r.t
	ru := *f
	ru.alias = "ru"
	b.w("SELECT ")
	for i, d := range p.dims {
		switch d.kind {
		case regionKey:
			b.w("rg.id")
		case periodKey:
			writeRollupPeriod(b, p.dialect, "ru."+t.Period, t.Period, p.unit)
		default:
			b.w("ru.", rollupDims[d.name])
		}
		b.w(" AS k", itoa(i), ", ")
	}
	for i, m := range t.Measures {
		if i > 0 {
			b.w(", ")
		}
		b.w("SUM(ru.", m, ") AS m", itoa(i))
	}
	b.w(" FROM ", t.Name, " ru")
	for _, d := range p.dims {
		if d.kind == regionKey {
			writeRegionJoin(b, &ru, p.level)
		}
	}
	b.w(" WHERE ").frag(r.cond, r.condArgs)
	if p.from != nil {
		b.w(" AND ru.", t.Period, " >= ").arg(periodBound(t.Period, *p.from))
	}
	if p.to != nil {
		b.w(" AND ru.", t.Period, " < ").arg(periodBound(t.Period, *p.to))
	}
	writeGroupBy(b, len(p.dims))
}

// writeRollupPeriod writes the label of the unit's period that the roll-up
// period col ("month" '2006-01' or "day" '2006-01-02') falls in, spelled as
// the base tables' labels are.
func writeRollupPeriod(b *sqlBuf, d store.Dialect, col, period, unit string) {
	quarter := func() {
		b.w("substr(", col, ", 1, 4) || '-Q' || CAST((CAST(substr(", col, ", 6, 2) AS INTEGER) + 2) / 3 AS TEXT)")
	}
	switch {
	case unit == "YEAR":
		b.w("substr(", col, ", 1, 4)")
	case unit == "QUARTER":
		quarter()
	case unit == "MONTH" && period == "day":
		b.w("substr(", col, ", 1, 7)")
	case unit == "WEEK" && d == store.Postgres:
		b.w("to_char(CAST(", col, " AS date), 'IYYY-\"W\"IW')")
	case unit == "WEEK":
		b.w("strftime('%G-W%V', ", col, ")")
	default: // the roll-up's own period
		b.w(col)
	}
}
