package server

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// A client that closes its connection mid-request cancels the request's
// context (net/http does), and every statement runs with that context: pgx
// asks PostgreSQL to cancel the statement, modernc interrupts SQLite's. The
// resolver then fails with whatever the driver made of it (context.Canceled,
// PostgreSQL's query_canceled, SQLite's interrupt), which is no fault of
// ours: this file keeps it from being logged and counted as INTERNAL.

// codeCancelled is the extensions.code of an error caused by the client
// going away. It is not one of the API contract's codes because no client
// ever reads it (there is no one left to answer); it exists for the
// operation metrics (civicgraph_graphql_operations_total{code="CANCELLED"})
// and the log.
const codeCancelled = "CANCELLED"

// statusClientClosed is the status the request log and metrics give a
// request whose client went away before it was answered: nginx's 499
// "client closed request", which no response ever carries.
const statusClientClosed = 499

// clientGone reports whether ctx, a request's or an operation's, ended
// because its client went away: cancelled, and not by the request's own
// deadline (see requestDeadline), whose error is Deadline exceeded.
func clientGone(ctx context.Context) bool {
	return errors.Is(ctx.Err(), context.Canceled) && !errors.Is(context.Cause(ctx), errRequestTimeout)
}

// presentCancellations wraps an error presenter: an error that the client's
// leaving caused is logged as that, at info level, and carries
// codeCancelled.
func presentCancellations(present graphql.ErrorPresenterFunc) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		if deliberate(err) || !clientGone(ctx) {
			return present(ctx, err)
		}
		slog.InfoContext(ctx, "request cancelled: the client went away", "err", err.Error())
		e := &gqlerror.Error{Message: "request cancelled", Extensions: map[string]any{"code": codeCancelled}}
		if fc := graphql.GetFieldContext(ctx); fc != nil {
			e.Path = fc.Path()
		}
		return e
	}
}

// statusOf is the status of request r for the log and metrics, once its
// handler has returned having written status (0: nothing): 499 when the
// client went away meanwhile (net/http cancels the request's context on
// its own only after the handler returns), whatever was written to it.
func statusOf(r *http.Request, status int) int {
	switch {
	case errors.Is(r.Context().Err(), context.Canceled):
		return statusClientClosed
	case status == 0:
		return http.StatusOK // what net/http sends for a handler that wrote nothing
	}
	return status
}
