package server

import (
	"context"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/civicgraph/civicgraph/internal/auth"
	"github.com/civicgraph/civicgraph/internal/loader"
	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// websocketRules is the gqlgen side of the rules for operations sent over
// a websocket connection (see websocket.go), which the HTTP middleware sees
// only once, when the connection opens. Operations sent over HTTP pass it
// untouched: their middleware already did all of this per request.
type websocketRules struct {
	db      *store.DB
	limiter *rateLimiter  // nil: no rate limiting
	timeout time.Duration // of each query and mutation
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
	graphql.OperationInterceptor
	graphql.ResponseInterceptor
} = websocketRules{}

func (websocketRules) ExtensionName() string                   { return "WebsocketRules" }
func (websocketRules) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext takes the operation's rate-limit token from its
// principal's bucket, the one its HTTP requests take theirs from.
func (x websocketRules) MutateOperationContext(ctx context.Context, _ *graphql.OperationContext) *gqlerror.Error {
	if x.limiter == nil || !overWebsocket(ctx) {
		return nil
	}
	key, who := rateKey(auth.From(ctx), clientAddr(ctx))
	if ok, wait := x.limiter.take(key); !ok {
		_, refusal := x.limiter.refusal(who, wait)
		return refusal
	}
	return nil
}

// InterceptOperation gives the operation loaders of its own: the
// connection's, made for its upgrade request, would be shared by every
// operation sent over it.
func (x websocketRules) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	if !overWebsocket(ctx) {
		return next(ctx)
	}
	return next(loader.With(ctx, loader.New(x.db)))
}

// InterceptResponse gives each response loaders of its own: a subscription
// sends one response per event, for hours, and each must read the rows as
// they are now. A query or mutation runs under the request timeout, as it
// would over HTTP. A subscription cannot: its response handler also waits
// for the next event (PostgreSQL's statement_timeout and the live hub's
// read timeout still bound each of its reads).
func (x websocketRules) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	if !overWebsocket(ctx) {
		return next(ctx)
	}
	ctx = loader.With(ctx, loader.New(x.db))
	if x.timeout > 0 && graphql.HasOperationContext(ctx) {
		if op := graphql.GetOperationContext(ctx).Operation; op != nil && op.Operation != ast.Subscription {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeoutCause(ctx, x.timeout, errRequestTimeout)
			defer cancel()
		}
	}
	return next(ctx)
}
