package server

import (
	"context"
	"strings"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/civicgraph/civicgraph/internal/apperr"
	"github.com/civicgraph/civicgraph/internal/export"
	"github.com/civicgraph/civicgraph/internal/metrics"
	"github.com/civicgraph/civicgraph/internal/write"
	"github.com/vektah/gqlparser/v2/ast"
)

// observeOperations is the gqlgen extension that sees every GraphQL
// operation once: it counts it in metrics (nil: nowhere) by name, type and
// the code of its first error, times it, notes its name for the request's
// log line (middleware.go), and makes its writes count the rows they
// commit.
//
// It watches whole responses, not fields: graph.Direct executes a query's
// root fields itself, and a field's error may come from Direct, from
// gqlgen's executor or from an extension, but every one ends up in the
// response. Two ways lead to a response:
//
//   - an operation that starts (DispatchOperation) passes
//     InterceptOperation, which wraps its response handler and counts its
//     first response: a query's or mutation's answer, a subscription's
//     first event or error (subscriptions are counted, not timed);
//   - one refused before it starts — it does not parse or validate, it is
//     too deep or too costly, a partner's introspection, a websocket
//     operation over its rate limit, a transport's refusal — is answered by
//     DispatchError, which passes only InterceptResponse, where it is
//     counted.
//
// Operations the HTTP middleware refuses before gqlgen sees them (rate
// limit, body size, batch size) and answers of the response cache are not
// operations to it; they count in civicgraph_http_requests_total (and
// civicgraph_rate_limited_total). Use it first, so that its time includes
// every other extension's.
type observeOperations struct {
	metrics *metrics.Metrics
}

var (
	_ interface {
		graphql.HandlerExtension
		graphql.OperationInterceptor
		graphql.ResponseInterceptor
	} = observeOperations{}
	_ write.Observer = (*metrics.Metrics)(nil)
)

func (observeOperations) ExtensionName() string                   { return "ObserveOperations" }
func (observeOperations) Validate(graphql.ExecutableSchema) error { return nil }

// startedKey marks the context of an operation that InterceptOperation
// counts, so that InterceptResponse leaves its responses alone.
type startedKey struct{}

func (x observeOperations) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	op := graphql.GetOperationContext(ctx)
	name, typ := describe(op)
	noteOperation(ctx, metrics.NameOf(name))
	ctx = context.WithValue(ctx, startedKey{}, true)
	if x.metrics != nil && typ == string(ast.Mutation) {
		ctx = write.WithObserver(ctx, x.metrics)
	}
	handler := next(ctx)
	var counted atomic.Bool
	return func(ctx context.Context) *graphql.Response {
		resp := handler(ctx)
		// A query or mutation without a response ended before it ran (its
		// context did): the transport answers that through DispatchError,
		// counted there. A subscription without one ended without events.
		if (resp != nil || typ == string(ast.Subscription)) && counted.CompareAndSwap(false, true) {
			x.count(op, name, typ, resp)
		}
		return resp
	}
}

func (x observeOperations) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	if ctx.Value(startedKey{}) != nil {
		return next(ctx)
	}
	resp := next(ctx)
	var op *graphql.OperationContext
	if graphql.HasOperationContext(ctx) {
		op = graphql.GetOperationContext(ctx)
	}
	name, typ := describe(op)
	noteOperation(ctx, metrics.NameOf(name))
	x.count(op, name, typ, resp)
	return resp
}

// count counts an operation answered with resp.
func (x observeOperations) count(op *graphql.OperationContext, name, typ string, resp *graphql.Response) {
	if x.metrics == nil {
		return
	}
	took := time.Duration(-1)
	if op != nil && !op.Stats.OperationStart.IsZero() && typ != string(ast.Subscription) {
		took = time.Since(op.Stats.OperationStart)
	}
	x.metrics.Operation(name, typ, codeOf(resp), took)
}

// describe is an operation's name (the document's, else the one the
// client sent) and type ("" when the document did not parse).
func describe(op *graphql.OperationContext) (name, typ string) {
	if op == nil {
		return "", ""
	}
	name = op.OperationName
	if op.Operation != nil {
		typ = string(op.Operation.Operation)
		if op.Operation.Name != "" {
			name = op.Operation.Name
		}
	}
	return name, typ
}

// codeOf is metrics.CodeOK for a response without errors, else its first
// error's extensions.code (INTERNAL when it has none).
func codeOf(resp *graphql.Response) string {
	if resp == nil || len(resp.Errors) == 0 {
		return metrics.CodeOK
	}
	if code, ok := resp.Errors[0].Extensions["code"].(string); ok && code != "" {
		return code
	}
	return string(apperr.Internal)
}

// routeOf reduces a request path to the routes New serves, for the HTTP
// metrics: a path is the client's to choose, a label's values must not be.
func routeOf(path string) string {
	switch {
	case path == "/graphql", path == "/":
		return path
	case path+"/" == export.Prefix, strings.HasPrefix(path, export.Prefix):
		return strings.TrimSuffix(export.Prefix, "/")
	}
	return "other"
}
