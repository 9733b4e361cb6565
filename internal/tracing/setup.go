// Package tracing sends OpenTelemetry traces of civicgraph's work — a span
// per GraphQL operation (package server makes those) and one per SQL
// statement (Statements) — to a collector, when the standard OTEL_*
// variables ask for it. Spans name what ran, never with what values: no
// bound parameter, variable, query document or principal name is ever put
// on a span.
package tracing

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync/atomic"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

// DefaultServiceName is service.name when OTEL_SERVICE_NAME (or
// service.name in OTEL_RESOURCE_ATTRIBUTES) does not say otherwise.
const DefaultServiceName = "civicgraph"

// active is the provider Setup installed and has not shut down, nil when
// tracing is off: see Provider.
var active atomic.Pointer[sdktrace.TracerProvider]

// Setup turns tracing on when the environment asks for it (see
// exporterFromEnv for when): it installs, process-wide, a tracer provider
// whose batch span processor sends spans to the exporter the variables name
// — otlptracehttp reads OTEL_EXPORTER_OTLP_* itself (endpoint, headers,
// timeout, TLS), the SDK reads OTEL_TRACES_SAMPLER(_ARG) and OTEL_BSP_*,
// the resource reads OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES — and
// the W3C tracecontext and baggage propagators. shutdown flushes the spans
// not yet sent and stops; call it once, at exit. When tracing is off Setup
// installs nothing and shutdown does nothing, so a request pays nothing.
func Setup(ctx context.Context) (shutdown func(context.Context) error, err error) {
	exporter, err := exporterFromEnv(os.Getenv)
	if err != nil || exporter == "" {
		return func(context.Context) error { return nil }, err
	}
	var exp sdktrace.SpanExporter
	switch exporter {
	case exporterOTLP:
		if exp, err = otlptracehttp.New(ctx); err != nil {
			return nil, fmt.Errorf("tracing: the OTLP exporter: %w", err)
		}
	case exporterConsole:
		exp = newConsoleExporter(os.Stderr)
	}
	// Later options win: the environment overrides the default name.
	res, err := resource.New(ctx,
		resource.WithAttributes(semconv.ServiceName(DefaultServiceName)),
		resource.WithTelemetrySDK(),
		resource.WithFromEnv())
	if err != nil {
		_ = exp.Shutdown(ctx)
		return nil, fmt.Errorf("tracing: OTEL_RESOURCE_ATTRIBUTES or OTEL_SERVICE_NAME: %w", err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(Propagator())
	// The SDK's own failures (a collector that does not answer) go to the
	// JSON log, not to the standard logger's plain lines.
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
		slog.Warn("tracing: sending spans failed", "err", err.Error())
	}))
	active.Store(tp)
	return func(ctx context.Context) error {
		active.CompareAndSwap(tp, nil)
		if err := tp.Shutdown(ctx); err != nil {
			return fmt.Errorf("tracing: flush the spans: %w", err)
		}
		return nil
	}, nil
}

// Provider is the tracer provider Setup installed, nil when tracing is off
// (or shut down): what the server and the store trace with when it is not
// nil, and the sign to leave their hooks out when it is.
func Provider() trace.TracerProvider {
	if tp := active.Load(); tp != nil {
		return tp
	}
	return nil
}

// Propagator carries a trace across processes as W3C Trace Context
// (traceparent, tracestate) and W3C Baggage headers.
func Propagator() propagation.TextMapPropagator {
	return propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})
}
