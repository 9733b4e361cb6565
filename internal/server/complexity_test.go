package server_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/civicgraph/civicgraph/internal/auth"
	"github.com/civicgraph/civicgraph/internal/server"
	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/civicgraph/civicgraph/internal/storetest"
)

// page costs 1 + 3n: the connection, and per row nodes, code and name.
func page(n int) string { return fmt.Sprintf(`{ regions(first: %d) { nodes { code name } } }`, n) }

func TestComplexityBudgetByRole(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		s := serve(t, db, server.Config{
			ComplexityByRole: map[auth.Role]int{auth.Partner: 31, auth.Analyst: 61},
			MaxComplexity:    91, // roles not listed: OPERATOR, and ADMIN here
		})
		for _, c := range []struct {
			principal, limit string
			rows             int // the most rows within the budget
		}{
			{"partner", "the limit for role PARTNER is 31", 10},
			{"analyst", "the limit for role ANALYST is 61", 20},
			{"operator", "the limit for role OPERATOR is 91", 30},
			{"demo", "the limit for role ADMIN is 91", 30},
		} {
			t.Run(c.principal, func(t *testing.T) {
				s.ranSomething(t, func() { s.query(c.principal, page(c.rows)).ok(t) })
				cost := fmt.Sprintf("its cost is %d", 1+3*(c.rows+1))
				s.ranNothing(t, c.principal, func() {
					s.query(c.principal, page(c.rows+1)).refused(t, http.StatusOK, "QUERY_TOO_COMPLEX", cost, c.limit)
				})
			})
		}
	})
}

// TestDefaultComplexityBudgets: three connections of the implicit page size
// (100) cost 2,020,201, above PARTNER's default 500,000 and within the
// others' 5,000,000 and 50,000,000.
func TestDefaultComplexityBudgets(t *testing.T) {
	s := serve(t, storetest.Open(t, store.SQLite), server.Config{})
	q := `{ regions { nodes { communities { nodes { alliances { nodes { code } } } } } } }`
	for _, p := range []string{"admin", "analyst", "operator", "demo"} {
		s.query(p, q).ok(t)
	}
	s.ranNothing(t, "partner", func() {
		s.query("partner", q).refused(t, http.StatusOK, "QUERY_TOO_COMPLEX", "its cost is 2020201", "the limit for role PARTNER is 500000")
	})
}
