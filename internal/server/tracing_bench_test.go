package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"testing"

	"github.com/civicgraph/civicgraph/internal/ingest"
	"github.com/civicgraph/civicgraph/internal/server"
	"github.com/civicgraph/civicgraph/internal/storetest"
	"github.com/civicgraph/civicgraph/internal/tracing"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// BenchmarkTracing measures what tracing adds to a request: a nested query
// (a page of 20 communities and their regions, two statements) through the
// whole HTTP path, with tracing off (no provider, no statement tracer) and
// on (every span sampled and batched to an exporter that drops them), on
// both stores:
//
//	go test -run '^$' -bench Tracing -benchmem ./internal/server/
func BenchmarkTracing(b *testing.B) {
	defer slog.SetDefault(slog.Default())
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil))) // as serve logs, not onto the output
	for _, d := range storetest.Backends {
		b.Run(d.String(), func(b *testing.B) {
			db := storetest.Open(b, d)
			f := newFixture(b, db)
			lines := []map[string]any{{"type": "Region", "code": "S1", "name": "粤海街道", "level": "STREET", "parent": "440300"}}
			for i := range 20 {
				lines = append(lines, map[string]any{"type": "Community", "code": fmt.Sprintf("C%d", i), "name": "社区", "kind": "URBAN", "region": "S1"})
			}
			if _, err := ingest.ImportLines(context.Background(), db, ingest.Slice(lines), ingest.Options{}); err != nil {
				b.Fatal(err)
			}
			body, _ := json.Marshal(map[string]any{"query": `query Nested { communities(first: 20) { nodes { code region { code name } } } }`})
			for _, on := range []bool{false, true} {
				name := "off"
				var tp trace.TracerProvider
				if on {
					name = "on"
					provider := sdktrace.NewTracerProvider(sdktrace.WithBatcher(dropSpans{}))
					b.Cleanup(func() { _ = provider.Shutdown(context.Background()) })
					db.SetTracer(tracing.Statements(provider, db.Dialect()))
					b.Cleanup(func() { db.SetTracer(nil) })
					tp = provider
				}
				s := f.serve(b, server.Config{Tracing: tp, RateLimit: -1})
				b.Run(name, func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						if r := s.post("", string(body)); r.status != 200 {
							b.Fatalf("status %d: %s", r.status, r.body)
						}
					}
				})
			}
		})
	}
}

// dropSpans is an exporter that sends nowhere: the cost measured is the
// spans' making and batching, not a collector's.
type dropSpans struct{}

func (dropSpans) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error { return nil }
func (dropSpans) Shutdown(context.Context) error                             { return nil }
