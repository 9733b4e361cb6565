package tracing

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/jackc/pgx/v5/pgconn"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

// ScopeName is the instrumentation scope of civicgraph's spans.
const ScopeName = "github.com/civicgraph/civicgraph"

// maxQueryText bounds db.query.text: a bulk insert's statement repeats
// its placeholders thousands of times, and what it is shows in its start.
const maxQueryText = 4096

// Statements returns the store.StatementTracer that gives every SQL
// statement of a store of dialect d a client span of tp's, "db.query" or
// "db.exec", the child of whatever span the statement's context carries
// (a GraphQL operation's, a command's), with the OpenTelemetry database
// attributes: db.system.name, db.operation.name (the statement's first
// keyword) and db.query.text — the SQL as written, with its placeholders:
// the values bound to them never reach a span. A failed statement's span
// has error status and error.type (PostgreSQL's SQLSTATE, else the error's
// Go type), never the error's message, which may quote a value.
func Statements(tp trace.TracerProvider, d store.Dialect) store.StatementTracer {
	system := semconv.DBSystemNameSQLite
	if d == store.Postgres {
		system = semconv.DBSystemNamePostgreSQL
	}
	return statements{tracer: tp.Tracer(ScopeName), system: system}
}

type statements struct {
	tracer trace.Tracer
	system attribute.KeyValue
}

func (s statements) StartStatement(ctx context.Context, kind, query string) (context.Context, func(error)) {
	ctx, span := s.tracer.Start(ctx, "db."+kind, trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(s.system, semconv.DBOperationName(operationOf(query)), semconv.DBQueryText(truncate(query, maxQueryText))))
	return ctx, func(err error) {
		if err != nil {
			typ := errorType(err)
			span.SetAttributes(semconv.ErrorTypeKey.String(typ))
			span.SetStatus(codes.Error, typ)
		}
		span.End()
	}
}

// operationOf is a statement's first keyword, upper-cased: SELECT, INSERT,
// WITH, ... ("" when it starts with none).
func operationOf(query string) string {
	q := strings.TrimLeft(query, " \t\r\n(")
	end := 0
	for end < len(q) && ('a' <= q[end]|0x20 && q[end]|0x20 <= 'z') {
		end++
	}
	return strings.ToUpper(q[:end])
}

// truncate cuts s to at most n bytes, at a character boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// errorType classifies a statement's error without its message.
func errorType(err error) string {
	var pg *pgconn.PgError
	switch {
	case errors.As(err, &pg):
		return pg.Code
	case errors.Is(err, context.DeadlineExceeded):
		return "deadline_exceeded"
	case errors.Is(err, context.Canceled):
		return "canceled"
	}
	return fmt.Sprintf("%T", err)
}
