package tracing

import (
	"context"
	"encoding/json"
	"io"
	"sync"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// consoleExporter is OTEL_TRACES_EXPORTER=console: one JSON line per span,
// for a developer without a collector. The SDK's stdouttrace exporter is a
// module of its own that this one line-writer does not need.
type consoleExporter struct {
	mu sync.Mutex
	w  io.Writer
}

func newConsoleExporter(w io.Writer) *consoleExporter { return &consoleExporter{w: w} }

// consoleSpan is a span as a console line shows it.
type consoleSpan struct {
	Name       string         `json:"name"`
	Kind       string         `json:"kind"`
	TraceID    string         `json:"trace_id"`
	SpanID     string         `json:"span_id"`
	ParentID   string         `json:"parent_span_id,omitempty"`
	Start      time.Time      `json:"start"`
	DurationMS float64        `json:"duration_ms"`
	Status     string         `json:"status"`
	Attributes map[string]any `json:"attributes,omitempty"`
}

func (e *consoleExporter) ExportSpans(_ context.Context, spans []sdktrace.ReadOnlySpan) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	enc := json.NewEncoder(e.w)
	for _, s := range spans {
		line := consoleSpan{
			Name:       s.Name(),
			Kind:       s.SpanKind().String(),
			TraceID:    s.SpanContext().TraceID().String(),
			SpanID:     s.SpanContext().SpanID().String(),
			Start:      s.StartTime(),
			DurationMS: float64(s.EndTime().Sub(s.StartTime()).Microseconds()) / 1000,
			Status:     s.Status().Code.String(),
		}
		if p := s.Parent(); p.IsValid() {
			line.ParentID = p.SpanID().String()
		}
		if attrs := s.Attributes(); len(attrs) > 0 {
			line.Attributes = make(map[string]any, len(attrs))
			for _, a := range attrs {
				line.Attributes[string(a.Key)] = a.Value.AsInterface()
			}
		}
		if err := enc.Encode(line); err != nil {
			return err
		}
	}
	return nil
}

func (e *consoleExporter) Shutdown(context.Context) error { return nil }
