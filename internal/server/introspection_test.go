package server_test

import (
	"net/http"
	"testing"

	"github.com/civicgraph/civicgraph/internal/server"
	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/civicgraph/civicgraph/internal/storetest"
)

func TestIntrospectionIsOffForPartners(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		s := f.serve(t, server.Config{})
		refused := map[string]string{
			"__schema": `{ regions(first: 1) { totalCount } __schema { queryType { name } } }`,
			"__type":   `{ regions(first: 1) { totalCount } t: __type(name: "Region") { name } }`,
			"fragment": `{ regions(first: 1) { totalCount } ...F } fragment F on Query { __schema { types { name } } }`,
		}
		for name, q := range refused {
			t.Run(name, func(t *testing.T) {
				s.ranNothing(t, "partner", func() {
					s.query("partner", q).refused(t, http.StatusOK, "FORBIDDEN", "introspection is disabled for partner keys")
				})
				for _, p := range []string{"admin", "analyst", "operator", "demo"} {
					s.query(p, q).ok(t)
				}
			})
		}
		// __typename is not introspection in that sense: clients add it
		// everywhere.
		s.ranSomething(t, func() {
			s.query("partner", `{ __typename regions(first: 1) { __typename totalCount } }`).ok(t)
		})

		allowed := f.serve(t, server.Config{PartnerIntrospection: true})
		for _, q := range refused {
			allowed.query("partner", q).ok(t)
		}
	})
}
