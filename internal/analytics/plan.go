package analytics

import (
	"context"
	"github.com/civicgraph/civicgraph/internal/auth"
	"time"

	"github.com/civicgraph/civicgraph/internal/query"
	"github.com/civicgraph/civicgraph/internal/store"
)

// plan is one stats question, validated and resolved: what a groupReader
// needs to answer it from any source.
type plan struct {
	dialect  store.Dialect
	dims     []dimension // in the order of Grouping.By
	level    string      // REGION roll-up level, "" for the row's own region
	unit     string      // PERIOD unit, "" without PERIOD
	zone     *time.Location
	from, to *time.Time // resolved window, nil for an open end
	cond     string     // the where input as SQL on the fact's alias
	condArgs []any
	where    map[string]any     // the where input itself, for a roll-up to judge
	who      *auth.Principal    // whose visibility cond includes (nil: everything)
	periods  map[string]*Period // labels already turned into periods (keys.go)
}

// plan validates the arguments (grouping and window first, so that bad
// input costs no SQL), translates where with the connections' translator,
// finds the time zone and resolves the window in it.
func (s *Stats) plan(ctx context.Context, f *fact, where map[string]any, g Grouping, w Window) (*plan, error) {
	dims, level, unit, err := groupingOf(f, g)
	if err != nil {
		return nil, err
	}
	if err := w.check(); err != nil {
		return nil, err
	}
	d := s.q.Dialect()
	who := auth.From(ctx)
	cond, args, err := query.Condition(who, d, store.Catalog[f.entity], f.alias, where)
	if err != nil {
		return nil, err
	}
	zone, err := s.zoneOf(ctx, where)
	if err != nil {
		return nil, err
	}
	from, to := w.resolve(s.now(), zone)
	return &plan{
		dialect: d, dims: dims, level: level, unit: unit, zone: zone,
		from: from, to: to, cond: cond, condArgs: args, where: where, who: who,
	}, nil
}
