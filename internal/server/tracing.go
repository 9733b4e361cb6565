package server

import (
	"context"
	"net/http"
	"sync/atomic"

	"github.com/99designs/gqlgen/graphql"
	"github.com/civicgraph/civicgraph/internal/apperr"
	"github.com/civicgraph/civicgraph/internal/metrics"
	"github.com/civicgraph/civicgraph/internal/tracing"
	"github.com/vektah/gqlparser/v2/ast"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

// Tracing (Config.Tracing; package tracing sets it up) gives a trace:
//
//   - a server span per HTTP request to /graphql and /export/ ("POST
//     /graphql"), the child of the caller's span when the request carries
//     a W3C traceparent header. A websocket upgrade gets none — the
//     connection lasts for hours — but its caller's trace still reaches the
//     operations sent over it;
//   - a span per GraphQL operation ("query Name", "mutation Name",
//     "subscription Name"), each operation of a batch its own, the child
//     of its request's span; the context the operation runs in carries it,
//     so that every SQL statement the operation sends (tracing.Statements),
//     through gqlgen's executor or graph.Direct, is its child. A
//     subscription's span covers the subscribe, not its events;
//   - the SQL statements' spans (package tracing).
//
// Attributes name what ran: the operation's type and name, the request id,
// the error codes of a failed operation. Never the query document, its
// variables, a principal or an error's message: any may carry personal
// data.

// civicgraph's own span attributes.
const (
	attrRequestID  = attribute.Key("civicgraph.request_id")
	attrErrorCodes = attribute.Key("civicgraph.error.codes")
)

// traceRequests gives each request to next a server span of tp's and the
// trace its headers carry; nil tp: next, untouched.
func traceRequests(tp trace.TracerProvider, next http.Handler) http.Handler {
	if tp == nil {
		return next
	}
	tracer := tp.Tracer(tracing.ScopeName)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := otel.GetTextMapPropagator().Extract(r.Context(), propagation.HeaderCarrier(r.Header))
		if isUpgrade(r) {
			next.ServeHTTP(w, r.WithContext(ctx))
			return
		}
		method := methodOf(r.Method)
		route := routeOf(r.URL.Path)
		attrs := []attribute.KeyValue{semconv.HTTPRequestMethodKey.String(method), semconv.HTTPRoute(route)}
		if id := RequestID(ctx); id != "" {
			attrs = append(attrs, attrRequestID.String(id))
		}
		ctx, span := tracer.Start(ctx, method+" "+route, trace.WithSpanKind(trace.SpanKindServer), trace.WithAttributes(attrs...))
		defer span.End()
		next.ServeHTTP(w, r.WithContext(ctx))
		// logRequests, outside the mux, gives every handler its
		// statusWriter: the status is read there rather than wrapping the
		// writer once more.
		if sw, ok := w.(*statusWriter); ok {
			status := sw.status
			if status == 0 {
				status = http.StatusOK
			}
			span.SetAttributes(semconv.HTTPResponseStatusCodeKey.Int(status))
			if status >= http.StatusInternalServerError {
				span.SetStatus(codes.Error, http.StatusText(status))
			}
		}
	})
}

// methodOf is an HTTP method as a span names it: a client may send any
// word, a span name must come from a short list.
func methodOf(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "_OTHER"
}

// traceOperations is the gqlgen extension that gives each GraphQL
// operation its span. It sees operations as observeOperations (metrics.go)
// does: one that starts passes InterceptOperation, whose span is in the
// context the operation (and its response) runs in, and ends with its
// first response; one refused before it starts passes only
// InterceptResponse, which gives it a span of its own. A subscription's
// span ends once it is subscribed (or refused): InterceptField notes a
// refusal by its resolver, which reaches the client only with the first
// response, possibly hours later.
type traceOperations struct {
	tracer trace.Tracer
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationInterceptor
	graphql.ResponseInterceptor
	graphql.FieldInterceptor
} = traceOperations{}

func (traceOperations) ExtensionName() string                   { return "TraceOperations" }
func (traceOperations) Validate(graphql.ExecutableSchema) error { return nil }

// tracedKey marks the context of an operation that InterceptOperation
// traces, so that InterceptResponse leaves its responses alone.
type tracedKey struct{}

func (x traceOperations) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	ctx, span := x.start(ctx, graphql.GetOperationContext(ctx))
	ctx = context.WithValue(ctx, tracedKey{}, true)
	handler := next(ctx)
	if op := graphql.GetOperationContext(ctx).Operation; op != nil && op.Operation == ast.Subscription {
		span.End()
		return handler
	}
	var ended atomic.Bool
	return func(ctx context.Context) *graphql.Response {
		resp := handler(ctx)
		if ended.CompareAndSwap(false, true) {
			if resp == nil {
				// The operation's context ended before it ran; the
				// transport answers that through DispatchError.
				span.SetStatus(codes.Error, "no response")
			}
			finish(span, resp)
		}
		return resp
	}
}

func (x traceOperations) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	if ctx.Value(tracedKey{}) != nil {
		return next(ctx)
	}
	var op *graphql.OperationContext
	if graphql.HasOperationContext(ctx) {
		op = graphql.GetOperationContext(ctx)
	}
	ctx, span := x.start(ctx, op)
	resp := next(ctx)
	finish(span, resp)
	return resp
}

// InterceptField notes on the subscription's span the code of its
// resolver's error (the subscription is refused); every other field passes.
func (traceOperations) InterceptField(ctx context.Context, next graphql.Resolver) (any, error) {
	res, err := next(ctx)
	if err != nil {
		if fc := graphql.GetFieldContext(ctx); fc != nil && fc.Object == "Subscription" {
			markFailed(trace.SpanFromContext(ctx), []string{string(apperr.CodeOf(err))})
		}
	}
	return res, err
}

// start opens op's span (op nil: a request that did not become one).
func (x traceOperations) start(ctx context.Context, op *graphql.OperationContext) (context.Context, trace.Span) {
	name, typ := describe(op)
	spanName := "GraphQL Operation"
	var attrs []attribute.KeyValue
	if typ != "" {
		spanName = typ
		attrs = append(attrs, semconv.GraphQLOperationTypeKey.String(typ))
	}
	// A name that is no GraphQL name (metrics.NameOf) is the client's
	// free text: it is left out, as from metrics and logs.
	if name != "" && metrics.NameOf(name) == name {
		if typ != "" {
			spanName += " " + name
		}
		attrs = append(attrs, semconv.GraphQLOperationName(name))
	}
	if id := RequestID(ctx); id != "" {
		attrs = append(attrs, attrRequestID.String(id))
	}
	return x.tracer.Start(ctx, spanName, trace.WithAttributes(attrs...))
}

// finish ends an operation's span, failed when its response has errors.
func finish(span trace.Span, resp *graphql.Response) {
	if resp != nil && len(resp.Errors) > 0 {
		seen := make(map[string]bool, len(resp.Errors))
		var found []string
		for _, e := range resp.Errors {
			code, _ := e.Extensions["code"].(string)
			if code == "" {
				code = string(apperr.Internal)
			}
			if !seen[code] {
				seen[code] = true
				found = append(found, code)
			}
		}
		markFailed(span, found)
	}
	span.End()
}

// markFailed gives span error status and the codes of its errors, the
// first as error.type.
func markFailed(span trace.Span, errCodes []string) {
	span.SetAttributes(semconv.ErrorTypeKey.String(errCodes[0]), attrErrorCodes.StringSlice(errCodes))
	span.SetStatus(codes.Error, errCodes[0])
}
