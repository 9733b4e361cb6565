package server

import (
	"context"
	"encoding/json"

	"github.com/99designs/gqlgen/graphql"
	"github.com/civicgraph/civicgraph/internal/apperr"
	"github.com/civicgraph/civicgraph/internal/auth"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// complexityLimit refuses a query whose cost exceeds its principal's budget
// before it runs. A field costs 1 plus its children; a connection (a field
// with first or last arguments in the schema) multiplies its rows' cost by
// the page size it asks for. So a deeply nested query over big pages is
// refused with QUERY_TOO_COMPLEX, not run. Budgets go by role, because what
// a role's clients legitimately ask for differs by orders of magnitude (an
// administrator's export against a partner's script).
type complexityLimit struct {
	byRole   map[auth.Role]int
	fallback int // roles not in byRole, and requests without a principal
}

var _ interface {
	graphql.OperationContextMutator
	graphql.HandlerExtension
} = complexityLimit{}

func (complexityLimit) ExtensionName() string                          { return "ComplexityLimit" }
func (complexityLimit) Validate(schema graphql.ExecutableSchema) error { return nil }

// budget is the cost limit of p, and how a refusal names whose limit it is.
func (c complexityLimit) budget(p *auth.Principal) (int, string) {
	if p == nil {
		return c.fallback, "the limit"
	}
	who := "the limit for role " + string(p.Role)
	if n := c.byRole[p.Role]; n > 0 {
		return n, who
	}
	return c.fallback, who
}

// MutateOperationContext computes the operation's cost.
func (c complexityLimit) MutateOperationContext(ctx context.Context, op *graphql.OperationContext) *gqlerror.Error {
	if op.Operation == nil {
		return nil
	}
	limit, who := c.budget(auth.From(ctx))
	cost := selectionCost(op, op.Operation.SelectionSet, 0)
	if cost > int64(limit) {
		err := gqlerror.Errorf("query is too complex: its cost is %d, %s is %d (a connection costs its page size times its fields; ask for smaller pages or fewer nested levels)", cost, who, limit)
		err.Extensions = map[string]any{"code": string(apperr.TooComplex)}
		return err
	}
	return nil
}

// implicitPageSize is what a connection without first or last is assumed to
// return when estimating cost.
const implicitPageSize = 100

// maxCostDepth stops runaway recursion through fragments; validation has
// already refused fragment cycles, and depthLimit refuses far shallower
// queries before this runs.
const maxCostDepth = 64

func selectionCost(op *graphql.OperationContext, set ast.SelectionSet, depth int) int64 {
	if depth > maxCostDepth {
		return 1 << 40
	}
	var total int64
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			total += fieldCost(op, s, depth)
		case *ast.InlineFragment:
			total += selectionCost(op, s.SelectionSet, depth+1)
		case *ast.FragmentSpread:
			if f := op.Doc.Fragments.ForName(s.Name); f != nil {
				total += selectionCost(op, f.SelectionSet, depth+1)
			}
		}
		if total > 1<<40 {
			return total
		}
	}
	return total
}

func fieldCost(op *graphql.OperationContext, f *ast.Field, depth int) int64 {
	if f.Definition == nil || f.Definition.Arguments.ForName("first") == nil {
		return 1 + selectionCost(op, f.SelectionSet, depth+1)
	}
	// A connection: its rows (nodes, edges) cost once per row of the page;
	// totalCount, aggregate and pageInfo cost once. A page size the client
	// asks for counts in full; an unstated one counts as implicitPageSize,
	// since most parents have far fewer children than the default page holds.
	size := int64(implicitPageSize)
	args := f.ArgumentMap(op.Variables)
	for _, name := range []string{"first", "last"} {
		if n, ok := toInt(args[name]); ok && n >= 0 {
			size = max(n, 1)
		}
	}
	var perRow, once ast.SelectionSet
	for _, sel := range f.SelectionSet {
		if sf, ok := sel.(*ast.Field); ok && (sf.Name == "nodes" || sf.Name == "edges") {
			perRow = append(perRow, sel)
		} else {
			once = append(once, sel)
		}
	}
	return 1 + size*selectionCost(op, perRow, depth+1) + selectionCost(op, once, depth+1)
}

func toInt(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case int:
		return int64(n), true
	case json.Number:
		i, err := n.Int64()
		return i, err == nil
	}
	return 0, false
}
