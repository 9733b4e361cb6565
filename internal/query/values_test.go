package query

import (
	"fmt"
	"testing"

	"github.com/civicgraph/civicgraph/internal/apperr"
	"github.com/civicgraph/civicgraph/internal/store"
)

// cursorValue checks a cursor value by its column's name alone (an ordering
// knows no more); that is sound only while a column name means one type in
// every table that has it.
func TestColumnNamesHaveOneType(t *testing.T) {
	seen := map[string]store.FieldType{}
	where := map[string]string{}
	for name, e := range store.Catalog {
		for field, f := range e.Fields {
			if typ, ok := seen[f.Column]; ok && typ != f.Type {
				t.Errorf("column %s is type %d in %s and type %d in %s.%s", f.Column, typ, where[f.Column], f.Type, name, field)
			}
			seen[f.Column], where[f.Column] = f.Type, name+"."+field
		}
	}
}

// A where at the size limits runs on every store as every principal; one
// level deeper or one value more is the client's error, not a database's.
func TestWhereSizeLimits(t *testing.T) {
	w := newFuzzWorld(t)
	deep := func(levels int, step func(map[string]any) map[string]any) map[string]any {
		v := map[string]any{"code": map[string]any{"neq": "x"}}
		for i := 0; i < levels; i++ {
			v = step(v)
		}
		return v
	}
	// Each step adds one level; the code filter's own map is the last.
	shapes := map[string]struct {
		typ  string
		step func(map[string]any) map[string]any
	}{
		"not": {"Community", func(v map[string]any) map[string]any { return map[string]any{"not": v} }},
		"and": {"Community", func(v map[string]any) map[string]any { return map[string]any{"and": []map[string]any{v, v}} }},
		"or":  {"Community", func(v map[string]any) map[string]any { return map[string]any{"or": []map[string]any{v}} }},
		"relations": {"Region", func(v map[string]any) map[string]any {
			return map[string]any{"parent": v, "level": map[string]any{"neq": "X"}}
		}},
		"many": {"Community", func(v map[string]any) map[string]any {
			return map[string]any{"people": map[string]any{"community": v}}
		}},
	}
	run := func(typ string, where map[string]any) []error {
		var errs []error
		for i, db := range w.stores {
			for _, ctx := range w.asks[i] {
				_, err := finders[typ](ctx, db, store.Catalog[typ], Args{Where: where})
				errs = append(errs, err)
			}
		}
		return errs
	}
	for name, s := range shapes {
		step := s.step
		if name == "many" { // two levels a step
			levels := (MaxWhereDepth - 2) / 2
			for _, err := range run(s.typ, deep(levels, step)) {
				if err != nil {
					t.Errorf("%s at %d levels: %v", name, 2*levels+2, err)
				}
			}
			continue
		}
		if name == "and" { // 2^levels leaves: keep it small, the depth is what matters
			step = func(v map[string]any) map[string]any { return map[string]any{"and": []map[string]any{v}} }
		}
		for _, err := range run(s.typ, deep(MaxWhereDepth-2, step)) {
			if err != nil {
				t.Errorf("%s at the depth limit: %v", name, err)
			}
		}
		for _, err := range run(s.typ, deep(MaxWhereDepth-1, step)) {
			if apperr.CodeOf(err) != apperr.BadUserInput {
				t.Errorf("%s beyond the depth limit: %v, want BAD_USER_INPUT", name, err)
			}
		}
	}
	many := make([]string, MaxWhereValues)
	for i := range many {
		many[i] = fmt.Sprint("C", i)
	}
	for _, err := range run("Community", map[string]any{"code": map[string]any{"in": many}}) {
		if err != nil {
			t.Errorf("%d values: %v", len(many), err)
		}
	}
	for _, err := range run("Community", map[string]any{"code": map[string]any{"in": many, "neq": "C1"}}) {
		if apperr.CodeOf(err) != apperr.BadUserInput {
			t.Errorf("%d values: %v, want BAD_USER_INPUT", len(many)+1, err)
		}
	}
	// Far beyond both stores' own limits: refused before any SQL is written.
	for _, err := range run("Community", deep(5000, shapes["not"].step)) {
		if apperr.CodeOf(err) != apperr.BadUserInput {
			t.Errorf("5000 levels: %v, want BAD_USER_INPUT", err)
		}
	}
}
