package server

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/civicgraph/civicgraph/internal/apperr"
	"github.com/civicgraph/civicgraph/internal/auth"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// partnerIntrospection refuses __schema and __type to PARTNER keys before
// anything runs. Partners are outside organizations running scripts against
// documented queries; the whole schema (every type, filter and argument,
// including those their scope never lets them use) is more than they need
// to see. __typename stays allowed: clients add it to every selection.
type partnerIntrospection struct{}

var _ interface {
	graphql.OperationContextMutator
	graphql.HandlerExtension
} = partnerIntrospection{}

func (partnerIntrospection) ExtensionName() string                          { return "PartnerIntrospection" }
func (partnerIntrospection) Validate(schema graphql.ExecutableSchema) error { return nil }

// MutateOperationContext looks for introspection fields when the principal
// is a partner.
func (partnerIntrospection) MutateOperationContext(ctx context.Context, op *graphql.OperationContext) *gqlerror.Error {
	p := auth.From(ctx)
	if p == nil || p.Role != auth.Partner || op.Operation == nil {
		return nil
	}
	if introspects(op.Doc, op.Operation.SelectionSet, map[string]bool{}) {
		err := gqlerror.Errorf("introspection is disabled for partner keys: __schema and __type are not available to them")
		err.Extensions = map[string]any{"code": string(apperr.Forbidden)}
		return err
	}
	return nil
}

// introspects reports whether set selects __schema or __type anywhere,
// fragments included; seen keeps each fragment to one visit.
func introspects(doc *ast.QueryDocument, set ast.SelectionSet, seen map[string]bool) bool {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if s.Name == "__schema" || s.Name == "__type" || introspects(doc, s.SelectionSet, seen) {
				return true
			}
		case *ast.InlineFragment:
			if introspects(doc, s.SelectionSet, seen) {
				return true
			}
		case *ast.FragmentSpread:
			if seen[s.Name] {
				continue
			}
			seen[s.Name] = true
			if f := doc.Fragments.ForName(s.Name); f != nil && introspects(doc, f.SelectionSet, seen) {
				return true
			}
		}
	}
	return false
}
