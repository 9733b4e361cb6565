package analytics

import (
	"reflect"
	"sync"

	"github.com/civicgraph/civicgraph/internal/rollup"
	"github.com/civicgraph/civicgraph/internal/store"
)

// A roll-up table is filtered by the same translator as the base tables
// (package query), through a catalog entry of its own: the ServiceRecord
// relations whose column the roll-up has, its region_path for withinRegion,
// and eventKind for its event_kind column. The where input is rewritten
// for it first, or found to need columns the roll-up does not have.

var rollupEntities = sync.OnceValue(func() map[string]*store.Entity {
	base := store.Catalog["ServiceRecord"]
	out := map[string]*store.Entity{}
	for _, t := range rollup.ServiceTables {
		e := &store.Entity{Name: base.Name, Table: t.Name, PathColumn: "region_path",
			Fields: map[string]store.Field{}, Relations: map[string]store.Relation{}}
		for name, r := range base.Relations {
			if t.Has(r.Column) {
				e.Relations[name] = r
			}
		}
		if t.Has("event_kind") {
			e.Fields["eventKind"] = store.Field{Column: "event_kind", Type: store.Enum}
		}
		out[t.Name] = e
	}
	return out
})

// rollupEntity is the catalog entry that filters roll-up t.
func rollupEntity(t *rollup.Table) *store.Entity { return rollupEntities()[t.Name] }

// rollupWhere rewrites a ServiceRecord where input for the roll-up entity
// e, or reports (false) that e cannot decide it. Under negated (an odd
// number of nots), event: {kind} is refused: the base tables' "event_id IN
// (events of the kind)" is NULL, not false, for a record without an event
// when some event has the kind, which NOT keeps NULL but would turn false
// into true; without a not, NULL and false both drop the row.
func rollupWhere(w map[string]any, e *store.Entity, negated bool) (map[string]any, bool) {
	out := make(map[string]any, len(w))
	base := store.Catalog["ServiceRecord"]
	for k, v := range w {
		null := isNull(v)
		switch k {
		case "withinRegion":
			out[k] = v
		case "and", "or":
			if null {
				continue // no condition, as the translator reads it
			}
			list, ok := deref(v).([]map[string]any)
			if !ok {
				return nil, false
			}
			subs := make([]map[string]any, len(list))
			for i, sub := range list {
				if subs[i], ok = rollupWhere(sub, e, negated); !ok {
					return nil, false
				}
			}
			out[k] = subs
		case "not":
			if null {
				continue
			}
			sub, ok := deref(v).(map[string]any)
			if !ok {
				return nil, false
			}
			if out[k], ok = rollupWhere(sub, e, !negated); !ok {
				return nil, false
			}
		case "event":
			kind, ok := eventKind(v, null, negated)
			if !ok || e.Fields["eventKind"].Column == "" {
				return nil, false
			}
			out["eventKind"] = kind
		default:
			if _, ok := e.Relations[k]; ok {
				out[k] = v // the same column, filtered the same way
				continue
			}
			if _, rel := base.Relations[k]; null && !rel {
				continue // a null field filter is no condition
			}
			return nil, false
		}
	}
	return out, true
}

// eventKind rewrites the value of event: null (no event) as eventKind
// null, and {kind: F} (or {}, any event) as eventKind not null and F. A
// record of an archived event is filed under no event kind, as on the base
// tables its event reads as none (event: null selects it, event: {...}
// does not).
func eventKind(v any, null, negated bool) (map[string]any, bool) {
	if null {
		return map[string]any{"isNull": true}, true
	}
	sub, ok := deref(v).(map[string]any)
	if !ok || negated {
		return nil, false
	}
	out := map[string]any{"isNull": false}
	for k, f := range sub {
		if k != "kind" {
			return nil, false
		}
		if isNull(f) {
			continue
		}
		ops, ok := deref(f).(map[string]any)
		if !ok {
			return nil, false
		}
		for op, x := range ops {
			if op == "isNull" {
				return nil, false
			}
			out[op] = x
		}
	}
	return out, true
}

// isNull says whether an input value is null the way the where translator
// sees it: nil, or a nil pointer, map or slice.
func isNull(v any) bool {
	if v == nil {
		return true
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice:
		return rv.IsNil()
	}
	return false
}
