package server

import (
	"testing"

	"github.com/civicgraph/civicgraph/internal/auth"
)

// TestComplexityBudgetWithoutPrincipal: in-process callers carry no
// principal (the HTTP server always sets one); they get the default budget.
func TestComplexityBudgetWithoutPrincipal(t *testing.T) {
	lim := limitsOf(Config{})
	c := complexityLimit{byRole: lim.complexityByRole, fallback: lim.maxComplexity}
	if n, who := c.budget(nil); n != DefaultMaxComplexity || who != "the limit" {
		t.Errorf("no principal: %d, %q", n, who)
	}
	for role, want := range map[auth.Role]int{auth.Admin: 50_000_000, auth.Analyst: 5_000_000, auth.Operator: 5_000_000, auth.Partner: 500_000} {
		if n, _ := c.budget(&auth.Principal{Role: role}); n != want {
			t.Errorf("%s: %d, want %d", role, n, want)
		}
	}
	if n, _ := c.budget(auth.Demo()); n != DefaultMaxComplexity {
		t.Errorf("the demo's reader: %d, want %d", n, DefaultMaxComplexity)
	}
}
