package query

import (
	"context"
	"strings"
	"testing"

	"github.com/civicgraph/civicgraph/internal/store"
)

// Which relation filters become "= (SELECT": a pinned code or id, not under
// NOT, and nothing else.
func TestOneRowRelationFilterSQL(t *testing.T) {
	code := func(c string) map[string]any { return map[string]any{"code": map[string]any{"eq": c}} }
	for _, c := range []struct {
		name string
		w    map[string]any
		eq   bool
	}{
		{"code", map[string]any{"community": code("C1")}, true},
		{"id", map[string]any{"community": map[string]any{"id": map[string]any{"eq": store.GlobalID("Community", 7)}}}, true},
		{"code and kind", map[string]any{"community": map[string]any{"code": map[string]any{"eq": "C1"}, "kind": map[string]any{"eq": "URBAN"}}}, true},
		{"under or", map[string]any{"or": []map[string]any{{"community": code("C1")}}}, true},
		{"under not", map[string]any{"not": map[string]any{"community": code("C1")}}, false},
		{"under not and or", map[string]any{"not": map[string]any{"or": []map[string]any{{"community": code("C1")}}}}, false},
		{"code in", map[string]any{"community": map[string]any{"code": map[string]any{"in": []string{"C1"}}}}, false},
		{"code startsWith", map[string]any{"community": map[string]any{"code": map[string]any{"startsWith": "C"}}}, false},
		{"name", map[string]any{"community": map[string]any{"name": map[string]any{"eq": "一"}}}, false},
	} {
		b := newBuilder(context.Background(), store.Postgres)
		if err := where(b, store.Catalog["ServiceRecord"], "t", c.w); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := strings.Contains(b.String(), "community_id = (SELECT"); got != c.eq {
			t.Errorf("%s: %s", c.name, b.String())
		}
		if b.negated != 0 {
			t.Errorf("%s: negation depth %d after writing", c.name, b.negated)
		}
	}
}
