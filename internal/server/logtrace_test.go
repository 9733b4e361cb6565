package server_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"testing"

	"github.com/civicgraph/civicgraph/internal/server"
	"go.opentelemetry.io/otel/trace"
)

// A line logged inside a traced operation names its trace and span; a line
// logged outside any names none.
func TestLogLinesNameTheirTrace(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(server.RequestIDHandler(slog.NewJSONHandler(&buf, nil)))
	sc := trace.NewSpanContext(trace.SpanContextConfig{
		TraceID:    trace.TraceID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16},
		SpanID:     trace.SpanID{1, 2, 3, 4, 5, 6, 7, 8},
		TraceFlags: trace.FlagsSampled,
	})
	log.InfoContext(trace.ContextWithSpanContext(context.Background(), sc), "inside")
	log.InfoContext(context.Background(), "outside")

	var lines []map[string]any
	sc2 := bufio.NewScanner(&buf)
	for sc2.Scan() {
		var l map[string]any
		if err := json.Unmarshal(sc2.Bytes(), &l); err != nil {
			t.Fatalf("%v: %s", err, sc2.Bytes())
		}
		lines = append(lines, l)
	}
	if len(lines) != 2 {
		t.Fatalf("%d lines, want 2", len(lines))
	}
	if lines[0]["trace_id"] != sc.TraceID().String() || lines[0]["span_id"] != sc.SpanID().String() {
		t.Errorf("the line inside the span: %v, want trace_id %s and span_id %s", lines[0], sc.TraceID(), sc.SpanID())
	}
	if _, ok := lines[1]["trace_id"]; ok {
		t.Errorf("the line outside any span names a trace: %v", lines[1])
	}
}
