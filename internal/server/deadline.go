package server

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/civicgraph/civicgraph/internal/apperr"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// errRequestTimeout is the cause of a request context that reached its
// deadline, which tells a timeout apart from a client that hung up.
var errRequestTimeout = errors.New("the request ran longer than its timeout")

// requestDeadline ends the request's context after timeout. Every statement
// runs with that context, so the drivers stop it when time is up: pgx asks
// PostgreSQL to cancel it, modernc's SQLite interrupts it. (PostgreSQL's
// statement_timeout, set to the same value by New, stops a statement even
// if that cancellation is lost.) Unlike http.TimeoutHandler, which this
// replaces, the work itself stops, and the client learns which limit it hit
// from an ordinary GraphQL error (see presentTimeouts).
func requestDeadline(timeout time.Duration, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeoutCause(r.Context(), timeout, errRequestTimeout)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// presentTimeouts wraps an error presenter: an error caused by the request's
// deadline (whatever the driver made of it: a context error, an interrupted
// SQLite statement, PostgreSQL's query_canceled) becomes QUERY_TOO_COMPLEX
// with a message that states the limit. The original goes to the log; its
// text may hold SQL.
func presentTimeouts(timeout time.Duration, present graphql.ErrorPresenterFunc) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		if !deliberate(err) && timedOut(ctx, err) {
			slog.WarnContext(ctx, "request timed out", "timeout", timeout.String(), "err", err.Error())
			err = apperr.New(apperr.TooComplex, "the query ran longer than the %s limit; ask for less (smaller pages, fewer fields, a narrower where) or split it", timeout)
		}
		return present(ctx, err)
	}
}

// deliberate reports whether err was made on purpose for the client (an
// apperr, or a GraphQL error of gqlgen's or ours that wraps nothing, such as
// a depth refusal): those keep their code and message even when the
// deadline has passed by the time they are presented.
func deliberate(err error) bool {
	var ae *apperr.Error
	var ge *gqlerror.Error
	return errors.As(err, &ae) || (errors.As(err, &ge) && ge.Err == nil)
}

// timedOut reports whether err is the request's deadline at work.
func timedOut(ctx context.Context, err error) bool {
	if errors.Is(context.Cause(ctx), errRequestTimeout) || errors.Is(err, errRequestTimeout) {
		return true
	}
	// PostgreSQL's statement_timeout: query_canceled while the request's
	// context is still live (a cancellation we asked for ends the context).
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "57014" && ctx.Err() == nil
}
