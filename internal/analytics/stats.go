package analytics

import (
	"context"
	"reflect"
	"time"

	"github.com/civicgraph/civicgraph/internal/store"
)

// Clock gives "now" for relative periods, "today" and "the last quarter";
// tests inject a fixed one.
type Clock func() time.Time

// Stats computes grouped figures over one store. It holds no state between
// calls: every call reads what it needs.
type Stats struct {
	q    store.Querier
	now  Clock
	zone *time.Location // the zone used when no region names one
	// baseOnly makes every figure read the base tables, never a roll-up.
	baseOnly bool
}

// New returns Stats over q (a store or a transaction). A nil clock is the
// wall clock.
func New(q store.Querier, now Clock) *Stats {
	if now == nil {
		now = time.Now
	}
	return &Stats{q: q, now: now, zone: store.Shanghai}
}

// BaseTablesOnly returns a copy of s that reads every figure from the base
// tables, never from a roll-up: the reference the roll-ups are tested
// against, and a way to rule them out when in doubt.
func (s *Stats) BaseTablesOnly() *Stats {
	c := *s
	c.baseOnly = true
	return &c
}

// zoneOf is the time zone a stats query is cut in: that of the region named
// by the where input's top-level withinRegion (or its nearest ancestor with
// one), else the default. A withinRegion nested under and/or/not does not
// choose the zone: it may name several regions. A malformed id was already
// rejected by the where translator; an unknown region has no zone.
func (s *Stats) zoneOf(ctx context.Context, where map[string]any) (*time.Location, error) {
	id, ok := deref(where["withinRegion"]).(string)
	if !ok {
		return s.zone, nil
	}
	typ, rowID, ok := store.ParseGlobalID(id)
	if !ok || typ != "Region" {
		return s.zone, nil
	}
	infos, err := s.regions(ctx, []int64{rowID})
	if err != nil {
		return nil, err
	}
	if r, ok := infos[rowID]; ok {
		return r.zone, nil
	}
	return s.zone, nil
}

// deref turns the pointers gqlgen uses for nullable inputs into values.
func deref(v any) any {
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return nil
		}
		return rv.Elem().Interface()
	}
	return v
}
