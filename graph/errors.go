package graph

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"

	"github.com/99designs/gqlgen/graphql"
	"github.com/civicgraph/civicgraph/internal/apperr"
	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// This file is the one place where errors become what a GraphQL client sees:
// every error carries extensions.code from the API contract, and nothing but
// an apperr message or a GraphQL validation message reaches the client. SQL
// text, driver messages and stack traces go to the log only.

// contractCodes are the codes a client may see.
var contractCodes = map[string]bool{
	string(apperr.BadUserInput): true, string(apperr.NotFound): true, string(apperr.Unauthenticated): true,
	string(apperr.Forbidden): true, string(apperr.TooComplex): true, string(apperr.RateLimited): true,
	string(apperr.Conflict): true, string(apperr.Internal): true, string(apperr.Unavailable): true,
}

// PresentError turns any error into the client's view of it.
func PresentError(ctx context.Context, err error) *gqlerror.Error {
	var pe *apperr.Problem
	if errors.As(err, &pe) {
		// A bad input field: the path goes on to the field to fix.
		e := &gqlerror.Error{Message: pe.Message, Path: graphql.GetPath(ctx)}
		for _, step := range pe.Path {
			switch s := step.(type) {
			case string:
				e.Path = append(e.Path, ast.PathName(s))
			case int:
				e.Path = append(e.Path, ast.PathIndex(s))
			}
		}
		setCode(e, string(apperr.BadUserInput))
		return e
	}
	var ae *apperr.Error
	if store.IsUnavailable(err) {
		// The database cannot be reached (restarting, failing over) or
		// cannot take writes now (SQLite's disk is full or read-only): a
		// client should retry, and learns nothing of the driver's text,
		// only what the store said of it, if it said something.
		slog.WarnContext(ctx, "database unavailable", "err", err.Error(), "path", pathOf(ctx))
		if !errors.As(err, &ae) || ae.Code != apperr.Unavailable {
			err = store.Unavailable()
		}
	}
	if errors.As(err, &ae) {
		e := graphql.DefaultErrorPresenter(ctx, err)
		e.Message = ae.Message
		setCode(e, string(ae.Code))
		return e
	}
	var ge *gqlerror.Error
	if errors.As(err, &ge) && ge.Err == nil {
		// Made by gqlgen or the transport: parse and validation failures,
		// bad variables, malformed requests. They are the client's doing and
		// their messages are safe to show.
		e := graphql.DefaultErrorPresenter(ctx, err)
		code, _ := e.Extensions["code"].(string)
		if !contractCodes[code] {
			if code != "" {
				setExtension(e, "reason", code)
			}
			code = string(apperr.BadUserInput)
		}
		setCode(e, code)
		return e
	}
	// Anything else is our failure: log it whole, tell the client nothing.
	slog.ErrorContext(ctx, "internal error", "err", err.Error(), "path", pathOf(ctx))
	e := &gqlerror.Error{Message: "internal error"}
	if fc := graphql.GetFieldContext(ctx); fc != nil {
		e.Path = fc.Path()
	}
	setCode(e, string(apperr.Internal))
	return e
}

// Recover turns a panic in a resolver into an INTERNAL error, logging the
// stack for us and showing the client none of it.
func Recover(ctx context.Context, p any) error {
	slog.ErrorContext(ctx, "panic in resolver", "panic", fmt.Sprint(p), "path", pathOf(ctx), "stack", string(debug.Stack()))
	return apperr.New(apperr.Internal, "internal error")
}

func setCode(e *gqlerror.Error, code string) { setExtension(e, "code", code) }

func setExtension(e *gqlerror.Error, k string, v any) {
	if e.Extensions == nil {
		e.Extensions = map[string]any{}
	}
	e.Extensions[k] = v
}

func pathOf(ctx context.Context) string {
	if fc := graphql.GetFieldContext(ctx); fc != nil {
		return fc.Path().String()
	}
	return ""
}
