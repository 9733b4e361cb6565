package graph_test

import (
	"testing"

	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/civicgraph/civicgraph/internal/storetest"
)

// TestNestedConnectionsRunAFixedNumberOfStatements proves there is no N+1:
// communities × their alliances × members × organization (and nested
// totals) costs the same number of statements for 5 parents as for 50.
func TestNestedConnectionsRunAFixedNumberOfStatements(t *testing.T) {
	const q = `query($n: Int) { communities(first: $n, orderBy: [{field: CODE}]) { totalCount nodes { code region { code }
		alliances { totalCount nodes { code leadCommunity { code } members { totalCount aggregate { count } nodes { signedOn commitments { code }
		organization { code community { code } } } } } } } } }`
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		a := newAPI(t, db, fixture(50))
		counts := map[int]int64{}
		for _, n := range []int{5, 50} {
			before := db.Statements()
			d := a.data(q, map[string]any{"n": n})
			counts[n] = db.Statements() - before
			nodes := get(d, "communities", "nodes").([]any)
			if len(nodes) != n {
				t.Fatalf("got %d communities, want %d", len(nodes), n)
			}
			if get(nodes[n-1], "alliances", "nodes", 0, "members", "nodes", 0, "organization", "code") == nil {
				t.Fatalf("nested data missing: %v", nodes[n-1])
			}
		}
		if counts[5] != counts[50] {
			t.Fatalf("statements: %d for 5 parents, %d for 50: the count grows with the parents", counts[5], counts[50])
		}
		t.Logf("%d statements for 5 and for 50 communities", counts[50])
	})
}
