package server

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/civicgraph/civicgraph/internal/apperr"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// depthLimit refuses, before it runs, a query that nests fields deeper than
// the limit. The complexity budget already bounds what a query reads, but
// it prices lists without page sizes (introspection's fields and types, a
// person's roles) once, not per element; a depth limit cuts off the
// recursive shapes, such as __type { fields { type { fields { type ... },
// whose results grow exponentially with depth while their cost does not.
//
// A field counts one level, fragments (spread or inline) none: { a { b } }
// is 2 deep however its selections are split into fragments.
type depthLimit int

var _ interface {
	graphql.OperationContextMutator
	graphql.HandlerExtension
} = depthLimit(0)

func (depthLimit) ExtensionName() string                          { return "DepthLimit" }
func (depthLimit) Validate(schema graphql.ExecutableSchema) error { return nil }

// MutateOperationContext measures the operation's depth.
func (d depthLimit) MutateOperationContext(ctx context.Context, op *graphql.OperationContext) *gqlerror.Error {
	if op.Operation == nil {
		return nil
	}
	m := depthMeter{doc: op.Doc, fragments: map[string]int{}}
	depth := m.selectionDepth(op.Operation.SelectionSet)
	if depth > int(d) {
		err := gqlerror.Errorf("query is too deep: it nests fields %d levels deep, the limit is %d (ask for fewer nested levels, or split the query)", depth, int(d))
		err.Extensions = map[string]any{"code": string(apperr.TooComplex)}
		return err
	}
	return nil
}

// depthMeter measures the depth of one document. It remembers each
// fragment's depth, so a fragment spread many times is walked once and
// measuring stays linear in the document's size.
type depthMeter struct {
	doc       *ast.QueryDocument
	fragments map[string]int
}

func (m *depthMeter) selectionDepth(set ast.SelectionSet) int {
	deepest := 0
	for _, sel := range set {
		var d int
		switch s := sel.(type) {
		case *ast.Field:
			d = 1 + m.selectionDepth(s.SelectionSet)
		case *ast.InlineFragment:
			d = m.selectionDepth(s.SelectionSet)
		case *ast.FragmentSpread:
			d = m.fragmentDepth(s.Name)
		}
		deepest = max(deepest, d)
	}
	return deepest
}

func (m *depthMeter) fragmentDepth(name string) int {
	if d, ok := m.fragments[name]; ok {
		return d
	}
	// Validation has refused fragment cycles; the placeholder only makes
	// sure that a cycle could not recurse forever.
	m.fragments[name] = 0
	f := m.doc.Fragments.ForName(name)
	if f == nil {
		return 0
	}
	d := m.selectionDepth(f.SelectionSet)
	m.fragments[name] = d
	return d
}
