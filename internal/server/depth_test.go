package server_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/civicgraph/civicgraph/internal/server"
	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/civicgraph/civicgraph/internal/storetest"
)

func TestDepthLimit(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		s := serve(t, db, server.Config{MaxDepth: 3})
		s.ranSomething(t, func() {
			s.query("admin", `{ regions(first: 1) { nodes { code } } }`).ok(t)
		})
		for name, q := range map[string]string{
			"fields": `{ regions(first: 1) { nodes { parent { code } } } }`,
			// Fragments add no level of their own, but their fields do.
			"fragments": `query { ...Q }
				fragment Q on Query { regions(first: 1) { ...C } }
				fragment C on RegionConnection { nodes { ... on Region { parent { code } } } }`,
		} {
			t.Run(name, func(t *testing.T) {
				s.ranNothing(t, "admin", func() {
					s.query("admin", q).refused(t, http.StatusOK, "QUERY_TOO_COMPLEX", "4 levels deep", "the limit is 3")
				})
			})
		}
	})
}

// TestDefaultDepthLetsIntrospectionThrough: GraphiQL must still load the
// schema, and one level more than its introspection query is refused.
func TestDefaultDepthLetsIntrospectionThrough(t *testing.T) {
	f := newFixture(t, storetest.Open(t, store.SQLite))
	s := f.serve(t, server.Config{})
	introspection, err := os.ReadFile(filepath.Join("testdata", "introspection.graphql"))
	if err != nil {
		t.Fatal(err)
	}
	s.query("demo", string(introspection)).ok(t)
	// The measurement DefaultMaxDepth is based on.
	f.serve(t, server.Config{MaxDepth: server.DefaultMaxDepth - 1}).query("demo", string(introspection)).
		refused(t, http.StatusOK, "QUERY_TOO_COMPLEX", "15 levels deep")

	deeper := "{ __schema { types { fields { args { type { " + strings.Repeat("ofType { ", 10) + "name" + strings.Repeat(" }", 10) + " } } } } } }"
	s.query("demo", deeper).refused(t, http.StatusOK, "QUERY_TOO_COMPLEX", "16 levels deep", "the limit is 15")
}
