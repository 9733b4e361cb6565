package main

import (
	"context"
	"io"
	"log/slog"
	"time"

	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/civicgraph/civicgraph/internal/tracing"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

// tracedCommands are the commands that turn tracing on when the OTEL_*
// variables ask for it (tracing.Setup): those that run long enough, or
// often enough, for an operator to want to see where their time goes.
// serve's spans are its requests' (package server); each of the others is
// one span of its own, which its SQL statements are children of.
var tracedCommands = map[string]bool{"serve": true, "import": true, "seed": true, "export": true}

// tracingFlushTimeout bounds the flush of the spans not yet sent at exit:
// a collector that does not answer must not hold the process.
const tracingFlushTimeout = 5 * time.Second

// runTraced runs the command name (run, with args) with tracing on when the
// environment asks for it and the command is traced, and flushes its spans
// before returning. An OTEL_* setting this binary cannot honour (an
// exporter it does not have) fails the command before it starts.
func runTraced(ctx context.Context, name string, run func(context.Context, []string, io.Reader, io.Writer, io.Writer) error,
	args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if !tracedCommands[name] {
		return run(ctx, args, stdin, stdout, stderr)
	}
	shutdown, err := tracing.Setup(ctx)
	if err != nil {
		return err
	}
	defer func() {
		flushCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), tracingFlushTimeout)
		defer cancel()
		if err := shutdown(flushCtx); err != nil {
			slog.Warn("tracing: spans lost at exit", "err", err.Error())
		}
	}()
	if tp := tracing.Provider(); tp != nil && name != "serve" {
		var span trace.Span
		ctx, span = tp.Tracer(tracing.ScopeName).Start(ctx, "civicgraph "+name,
			trace.WithAttributes(attribute.String("civicgraph.command", name)))
		defer span.End()
	}
	return run(ctx, args, stdin, stdout, stderr)
}

// traceStatements makes db's SQL statements spans of the provider
// tracing.Setup installed, and returns that provider for the server's
// spans; when tracing is off it sets no tracer (a statement then costs
// nothing more) and returns nil.
func traceStatements(db *store.DB) trace.TracerProvider {
	tp := tracing.Provider()
	if tp == nil {
		return nil
	}
	db.SetTracer(tracing.Statements(tp, db.Dialect()))
	return tp
}
