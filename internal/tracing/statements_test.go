package tracing

import (
	"context"
	"strings"
	"testing"

	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/civicgraph/civicgraph/internal/storetest"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

func TestStatementSpans(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		rec := tracetest.NewSpanRecorder()
		tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
		db.SetTracer(Statements(tp, db.Dialect()))
		defer db.SetTracer(nil)
		const secret = "王秘密" // a value bound to a placeholder: it must reach no span
		ctx, parent := tp.Tracer("test").Start(context.Background(), "operation")
		rows, err := db.Query(ctx, "SELECT ? AS name", secret)
		if err != nil {
			t.Fatal(err)
		}
		rows.Close()
		if _, err := db.Exec(ctx, "INSERT INTO no_such_table (name) VALUES (?)", secret); err == nil {
			t.Fatal("an insert into a missing table succeeded")
		}
		parent.End()

		system := map[store.Dialect]string{store.Postgres: "postgresql", store.SQLite: "sqlite"}[db.Dialect()]
		spans := rec.Ended()
		if len(spans) != 3 {
			t.Fatalf("%d spans, want the operation's and two statements'", len(spans))
		}
		for i, want := range []struct{ name, op, text string }{
			{"db.query", "SELECT", "SELECT ? AS name"},
			{"db.exec", "INSERT", "INSERT INTO no_such_table (name) VALUES (?)"},
		} {
			s := spans[i]
			attrs := map[string]string{}
			for _, a := range s.Attributes() {
				attrs[string(a.Key)] = a.Value.Emit()
			}
			if s.Name() != want.name || s.Parent().SpanID() != parent.SpanContext().SpanID() || s.SpanContext().TraceID() != parent.SpanContext().TraceID() {
				t.Errorf("span %q (parent %s), want %q, the child of the operation", s.Name(), s.Parent().SpanID(), want.name)
			}
			if attrs["db.system.name"] != system || attrs["db.operation.name"] != want.op || attrs["db.query.text"] != want.text {
				t.Errorf("%s: attributes %v", want.name, attrs)
			}
			failed := s.Status().Code == codes.Error
			if failed != (want.name == "db.exec") || failed && attrs["error.type"] == "" {
				t.Errorf("%s: status %v, error.type %q", want.name, s.Status(), attrs["error.type"])
			}
		}
		for _, s := range spans {
			if strings.Contains(s.Status().Description, secret) || strings.Contains(s.Status().Description, "no_such_table") {
				t.Errorf("span %q: the status tells the error's message: %q", s.Name(), s.Status().Description)
			}
			for _, a := range s.Attributes() {
				if strings.Contains(a.Value.Emit(), secret) {
					t.Errorf("span %q: %s carries the bound value", s.Name(), a.Key)
				}
			}
			if len(s.Events()) > 0 {
				t.Errorf("span %q has events (an error's message?): %v", s.Name(), s.Events())
			}
		}
	})
}

func TestOperationOf(t *testing.T) {
	for q, want := range map[string]string{
		"SELECT 1":                      "SELECT",
		"\n\t  insert into x values(?)": "INSERT",
		"(select 1) union (select 2)":   "SELECT",
		"WITH RECURSIVE w AS (...)":     "WITH",
		"-- comment\nSELECT 1":          "",
		"":                              "",
	} {
		if got := operationOf(q); got != want {
			t.Errorf("operationOf(%q) = %q, want %q", q, got, want)
		}
	}
}
