package server_test

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/civicgraph/civicgraph/internal/server"
	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/civicgraph/civicgraph/internal/storetest"
	"github.com/civicgraph/civicgraph/internal/tracing"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// Values of personal data sent as variables: no span may carry them.
const (
	tracedSecretName  = "欧阳秘密"
	tracedSecretPhone = "13912345678"
)

// A traced server gives each request, each GraphQL operation (each of a
// batch too, through graph.Direct and through gqlgen's executor) and each
// SQL statement a span: the statements are children of their operation,
// the operation of its request, the request of the caller's traceparent;
// a failed operation has error status and its codes; a subscription has
// one span for its subscribe; and no variable's value is on any span.
func TestTracing(t *testing.T) {
	otel.SetTextMapPropagator(tracing.Propagator()) // as tracing.Setup installs it
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		w := newLiveWorld(t, db)
		for _, mode := range []struct {
			name   string
			gqlgen bool
			person string // the code of the person it creates
		}{{"direct", false, "P-T1"}, {"gqlgen", true, "P-T2"}} {
			t.Run(mode.name, func(t *testing.T) {
				rec := traceStore(t, db)
				s := w.serve(t, server.Config{Tracing: rec.provider, GQLGenExecution: mode.gqlgen, RateLimit: -1, Live: w.hub})
				s.query("admin", `{ __typename }`).ok(t) // the key's lookup, before the traces below

				// A nested query, its filter a variable.
				tr := newTraceparent()
				s.traced(t, tr, "", `{"query":"query Nested($name: String!) { communities(first: 10, where: {name: {neq: $name}}) { nodes { code region { code name } } } }","variables":{"name":"`+tracedSecretName+`"}}`).ok(t)
				spans := rec.trace(t, tr, 1)
				req := spans.one(t, "POST /graphql")
				if req.SpanKind() != trace.SpanKindServer || req.Parent().SpanID() != tr.parent || !req.Parent().IsRemote() {
					t.Errorf("request span: kind %v, parent %v; want a server span, the child of the caller's", req.SpanKind(), req.Parent())
				}
				wantAttrs(t, req, map[string]string{"http.request.method": "POST", "http.route": "/graphql", "http.response.status_code": "200", "civicgraph.request_id": tr.requestID})
				op := spans.one(t, "query Nested")
				if op.Parent().SpanID() != req.SpanContext().SpanID() {
					t.Errorf("the operation's parent is %s, want the request's span", op.Parent().SpanID())
				}
				wantAttrs(t, op, map[string]string{"graphql.operation.type": "query", "graphql.operation.name": "Nested", "civicgraph.request_id": tr.requestID})
				if op.Status().Code == codes.Error {
					t.Errorf("a successful operation has status %v", op.Status())
				}
				statements := spans.childrenOf(op)
				if len(statements) < 2 {
					t.Errorf("the nested query's span has %d statement children, want its page and its regions' (at least 2): %v", len(statements), spans.names())
				}
				for _, st := range spans.named("db.query", "db.exec") {
					if st.Parent().SpanID() != op.SpanContext().SpanID() {
						t.Errorf("statement %q is no child of its operation", attrOf(st, "db.query.text"))
					}
				}
				for _, st := range statements {
					if st.Name() != "db.query" || attrOf(st, "db.system.name") == "" || !strings.Contains(attrOf(st, "db.query.text"), "?") && attrOf(st, "db.operation.name") == "" {
						t.Errorf("statement span %q: %v", st.Name(), st.Attributes())
					}
				}

				// A batch of two operations: two spans under one request.
				tr = newTraceparent()
				batch := s.traced(t, tr, "", `[{"query":"query First { regions(first: 2) { nodes { code } } }"},{"query":"query Second { communities(first: 2) { totalCount } }"}]`)
				if batch.status != http.StatusOK || strings.Contains(string(batch.body), `"errors"`) {
					t.Fatalf("batch: %d %s", batch.status, batch.body)
				}
				spans = rec.trace(t, tr, 2)
				req = spans.one(t, "POST /graphql")
				for _, name := range []string{"query First", "query Second"} {
					op := spans.one(t, name)
					if op.Parent().SpanID() != req.SpanContext().SpanID() {
						t.Errorf("%s is no child of the batch's request", name)
					}
					if len(spans.childrenOf(op)) == 0 {
						t.Errorf("%s has no statement children", name)
					}
				}

				// Failing operations: a resolver's error, and an operation
				// refused before it starts.
				tr = newTraceparent()
				s.traced(t, tr, "", `{"query":"query BadPage { regions(first: -1) { totalCount } }"}`).refused(t, http.StatusOK, "BAD_USER_INPUT")
				failed := rec.trace(t, tr, 1).one(t, "query BadPage")
				wantFailed(t, failed, "BAD_USER_INPUT")
				tr = newTraceparent()
				s.traced(t, tr, "", `{"query":"query Broken { noSuchField }","operationName":"Broken"}`)
				refused := rec.trace(t, tr, 1).one(t, "GraphQL Operation")
				wantFailed(t, refused, "BAD_USER_INPUT")
				wantAttrs(t, refused, map[string]string{"graphql.operation.name": "Broken"})

				// A mutation writing a person's name and phone.
				tr = newTraceparent()
				s.traced(t, tr, "admin", `{"query":"mutation AddPerson($in: PersonInput!) { createPerson(input: $in) { code } }","variables":{"in":{"code":"`+mode.person+`","name":"`+tracedSecretName+`","phone":"`+tracedSecretPhone+`"}}}`).ok(t)
				spans = rec.trace(t, tr, 1)
				op = spans.one(t, "mutation AddPerson")
				if len(spans.named("db.exec")) == 0 {
					t.Errorf("the mutation ran no traced exec: %v", spans.names())
				}
				for _, st := range spans.named("db.query", "db.exec") {
					if st.Parent().SpanID() != op.SpanContext().SpanID() {
						t.Errorf("statement %q is no child of the mutation", attrOf(st, "db.query.text"))
					}
				}

				rec.noPersonalData(t)
			})
		}

		t.Run("subscriptions", func(t *testing.T) {
			rec := traceStore(t, db)
			s := w.serve(t, server.Config{Tracing: rec.provider, RateLimit: -1, Live: w.hub})
			ws := mustDialWS(t, s.url, nil)
			ws.initBearer(w.keys["admin"])
			ws.subscribe("watch", `subscription Watch { serviceRecorded { code } }`, nil)
			ws.subscribe("bad", `subscription Bad { serviceRecorded(withinRegion: "nope") { code } }`, nil)
			ws.refused("bad", "BAD_USER_INPUT")
			waitFor(t, "following", func() bool { return w.hub.Followers() == 1 })
			w.record(t, "SR-TRACE-1", "C1", 1)
			w.record(t, "SR-TRACE-2", "C1", 2)
			ws.next("watch")
			ws.next("watch")
			if n := len(rec.endedNamed("subscription Watch")); n != 1 {
				t.Errorf("%d spans for a subscription with two events, want 1 (its subscribe)", n)
			}
			bad := rec.endedNamed("subscription Bad")
			if len(bad) != 1 {
				t.Fatalf("%d spans for the refused subscription, want 1", len(bad))
			}
			wantFailed(t, bad[0], "BAD_USER_INPUT")
			rec.noPersonalData(t)
		})
	})
}

// recorder keeps the spans of a test's tracer provider.
type recorder struct {
	*tracetest.SpanRecorder
	provider *sdktrace.TracerProvider
}

// traceStore makes a provider that records its spans, and traces db's
// statements with it until the test ends.
func traceStore(t *testing.T, db *store.DB) *recorder {
	rec := &recorder{SpanRecorder: tracetest.NewSpanRecorder()}
	rec.provider = sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec.SpanRecorder))
	db.SetTracer(tracing.Statements(rec.provider, db.Dialect()))
	t.Cleanup(func() { db.SetTracer(nil) })
	return rec
}

// traceparent is a caller's span, sent as a W3C traceparent header.
type traceparent struct {
	trace     trace.TraceID
	parent    trace.SpanID
	requestID string
}

func newTraceparent() traceparent {
	var tr traceparent
	_, _ = rand.Read(tr.trace[:])
	_, _ = rand.Read(tr.parent[:])
	tr.requestID = "trace-" + hex.EncodeToString(tr.parent[:4])
	return tr
}

// traced posts body in the caller's trace tr, with the named key ("":
// the demo's reader).
func (s *testServer) traced(t *testing.T, tr traceparent, principal, body string) reply {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Traceparent", "00-"+tr.trace.String()+"-"+tr.parent.String()+"-01")
	req.Header.Set(server.RequestIDHeader, tr.requestID)
	s.authorize(req, principal)
	return s.do(req)
}

// spanList is the spans of one trace.
type spanList []sdktrace.ReadOnlySpan

// trace waits for the request span of tr and ops operation spans of it to
// have ended, and returns the trace's spans.
func (r *recorder) trace(t *testing.T, tr traceparent, ops int) spanList {
	t.Helper()
	var spans spanList
	waitFor(t, "the request's spans", func() bool {
		spans = nil
		for _, s := range r.Ended() {
			if s.SpanContext().TraceID() == tr.trace {
				spans = append(spans, s)
			}
		}
		return len(spans.named("POST /graphql")) == 1 && len(spans)-len(spans.named("POST /graphql", "db.query", "db.exec")) >= ops
	})
	return spans
}

// one is the trace's one span named name.
func (l spanList) one(t *testing.T, name string) sdktrace.ReadOnlySpan {
	t.Helper()
	found := l.named(name)
	if len(found) != 1 {
		t.Fatalf("%d spans named %q, want 1; the trace has %v", len(found), name, l.names())
	}
	return found[0]
}

func (l spanList) named(names ...string) spanList {
	var found spanList
	for _, s := range l {
		if slices.Contains(names, s.Name()) {
			found = append(found, s)
		}
	}
	return found
}

func (l spanList) childrenOf(parent sdktrace.ReadOnlySpan) spanList {
	var found spanList
	for _, s := range l {
		if s.Parent().SpanID() == parent.SpanContext().SpanID() {
			found = append(found, s)
		}
	}
	return found
}

func (l spanList) names() []string {
	var names []string
	for _, s := range l {
		names = append(names, s.Name())
	}
	return names
}

func (r *recorder) endedNamed(name string) spanList { return spanList(r.Ended()).named(name) }

// noPersonalData fails the test if any span recorded carries a value sent
// as personal data, in its name, attributes, events or status.
func (r *recorder) noPersonalData(t *testing.T) {
	t.Helper()
	if len(r.Ended()) == 0 {
		t.Fatal("no spans recorded")
	}
	for _, s := range r.Ended() {
		texts := []string{s.Name(), s.Status().Description}
		for _, a := range s.Attributes() {
			texts = append(texts, a.Value.Emit())
		}
		for _, e := range s.Events() {
			texts = append(texts, e.Name)
			for _, a := range e.Attributes {
				texts = append(texts, a.Value.Emit())
			}
		}
		for _, text := range texts {
			if strings.Contains(text, tracedSecretName) || strings.Contains(text, tracedSecretPhone) {
				t.Errorf("span %q carries a variable's value: %q", s.Name(), text)
			}
		}
	}
}

func attrOf(s sdktrace.ReadOnlySpan, key string) string {
	for _, a := range s.Attributes() {
		if string(a.Key) == key {
			return a.Value.Emit()
		}
	}
	return ""
}

func wantAttrs(t *testing.T, s sdktrace.ReadOnlySpan, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if got := attrOf(s, k); got != v {
			t.Errorf("span %q: %s = %q, want %q", s.Name(), k, got, v)
		}
	}
}

// wantFailed requires s to have error status and code as its error type
// and among its error codes.
func wantFailed(t *testing.T, s sdktrace.ReadOnlySpan, code string) {
	t.Helper()
	if s.Status().Code != codes.Error || attrOf(s, "error.type") != code {
		t.Errorf("span %q: status %v, error.type %q; want an error, %s", s.Name(), s.Status(), attrOf(s, "error.type"), code)
	}
	var errCodes []string
	_ = json.Unmarshal([]byte(attrOf(s, "civicgraph.error.codes")), &errCodes)
	if !slices.Contains(errCodes, code) {
		t.Errorf("span %q: civicgraph.error.codes %q, want %s among them", s.Name(), attrOf(s, "civicgraph.error.codes"), code)
	}
}
