package respcache

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// Extension is the gqlgen side of the cache: it marks answers that must
// not be kept (errors, or anything but a query).
type Extension struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.ResponseInterceptor
} = Extension{}

func (Extension) ExtensionName() string                   { return "ResponseCache" }
func (Extension) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptResponse runs the operation and judges its answer.
func (Extension) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	if resp == nil || len(resp.Errors) > 0 || !graphql.HasOperationContext(ctx) {
		DoNotStore(ctx)
		return resp
	}
	if op := graphql.GetOperationContext(ctx).Operation; op == nil || op.Operation != ast.Query {
		DoNotStore(ctx)
	}
	return resp
}
