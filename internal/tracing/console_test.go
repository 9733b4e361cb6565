package tracing

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

func TestConsoleExporter(t *testing.T) {
	var out strings.Builder
	spans := tracetest.SpanStubs{{
		Name:       "db.query",
		Attributes: []attribute.KeyValue{attribute.String("db.system.name", "sqlite")},
	}}.Snapshots()
	if err := newConsoleExporter(&out).ExportSpans(context.Background(), spans); err != nil {
		t.Fatal(err)
	}
	var line consoleSpan
	if err := json.Unmarshal([]byte(out.String()), &line); err != nil || strings.Count(out.String(), "\n") != 1 {
		t.Fatalf("want one JSON line, got %q (%v)", out.String(), err)
	}
	if line.Name != "db.query" || line.Attributes["db.system.name"] != "sqlite" {
		t.Errorf("line %+v", line)
	}
}
