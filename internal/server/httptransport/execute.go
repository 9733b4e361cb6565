package httptransport

import (
	"context"
	"errors"
	"net/http"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/99designs/gqlgen/graphql"
)

// sendRequestError answers a transport-level problem (bad JSON, wrong
// content type, ...) with a GraphQL error response. It goes through
// exec.DispatchError so that the error presenter and response extensions
// see it like any other error, matching what gqlgen's own transports do.
func sendRequestError(ctx context.Context, w http.ResponseWriter, exec graphql.GraphExecutor, mediaType string, e *requestError) {
	gqlErr := &gqlerror.Error{
		Message:    e.message,
		Extensions: map[string]any{"code": e.code},
	}
	writeResponse(w, e.status, mediaType, exec.DispatchError(ctx, gqlerror.List{gqlErr}))
}

// execute runs one well-formed request and writes its single response.
// allowMutation is false for GET: a mutation there is refused with 405 and
// Allow: POST, before anything runs, because GET must be safe.
func execute(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor, mediaType string, params *graphql.RawParams, allowMutation bool) {
	ctx := r.Context()
	opCtx, errs := exec.CreateOperationContext(ctx, params)
	if errs != nil {
		if opCtx != nil {
			ctx = graphql.WithOperationContext(ctx, opCtx)
		}
		writeResponse(w, statusForRequestErrors(mediaType), mediaType, exec.DispatchError(ctx, errs))
		return
	}
	opCtxCtx := graphql.WithOperationContext(ctx, opCtx)

	switch opCtx.Operation.Operation {
	case ast.Mutation:
		if !allowMutation {
			w.Header().Set("Allow", http.MethodPost)
			sendRequestError(opCtxCtx, w, exec, mediaType, &requestError{
				status:  http.StatusMethodNotAllowed,
				code:    codeMethodNotAllowed,
				message: "mutations cannot be sent with GET; use POST",
			})
			return
		}
	case ast.Subscription:
		// A single JSON response cannot carry an event stream, and waiting
		// for the first event would hold the request open indefinitely.
		sendRequestError(opCtxCtx, w, exec, mediaType, &requestError{
			status:  statusForRequestErrors(mediaType),
			code:    codeOperationNotAllowed,
			message: "subscriptions are not supported over plain HTTP requests; use a streaming transport",
		})
		return
	}

	handler, ctx := exec.DispatchOperation(ctx, opCtx)
	resp := handler(ctx)
	if resp == nil {
		if errors.Is(r.Context().Err(), context.Canceled) {
			return // the client is gone; there is no one to answer
		}
		// gqlgen answers nil when the context ended before execution began.
		// A deadline of the server's own (a request timeout) still deserves
		// an answer; the cause goes along so that the error presenter can
		// say which limit it was.
		resp = exec.DispatchError(opCtxCtx, gqlerror.List{{
			Message:    "internal server error",
			Extensions: map[string]any{"code": codeInternal},
			Err:        context.Cause(r.Context()),
		}})
		writeResponse(w, http.StatusInternalServerError, mediaType, resp)
		return
	}
	writeResponse(w, statusForResult(mediaType, resp), mediaType, resp)
}
