package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/civicgraph/civicgraph/internal/storetest"
	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"
)

// otelVariables are the variables that could turn tracing on.
var otelVariables = []string{"OTEL_SDK_DISABLED", "OTEL_TRACES_EXPORTER", "OTEL_EXPORTER_OTLP_ENDPOINT",
	"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"}

// Without OTEL_* variables a command traces nothing: it sets no tracer on
// its store and gives the server no provider, even when the process has
// a tracer provider that would record.
func TestNoTracingWithoutOTELVariables(t *testing.T) {
	for _, k := range otelVariables {
		t.Setenv(k, "")
	}
	rec := tracetest.NewSpanRecorder()
	previous := otel.GetTracerProvider()
	otel.SetTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec)))
	t.Cleanup(func() { otel.SetTracerProvider(previous) })
	for _, d := range storetest.Backends {
		t.Run(d.String(), func(t *testing.T) {
			db := storetest.Open(t, d)
			err := runTraced(context.Background(), "serve", func(ctx context.Context, _ []string, _ io.Reader, _, _ io.Writer) error {
				if tp := traceStatements(db); tp != nil {
					t.Errorf("serve's server got a tracer provider without OTEL_* variables")
				}
				_, err := db.Exec(ctx, "SELECT 1")
				return err
			}, nil, nil, io.Discard, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			if n := len(rec.Ended()); n != 0 {
				t.Errorf("%d spans recorded without OTEL_* variables", n)
			}
		})
	}
}

// An exporter the binary does not have fails the command before it runs.
func TestUnsupportedTraceExporter(t *testing.T) {
	for _, k := range otelVariables {
		t.Setenv(k, "")
	}
	t.Setenv("OTEL_TRACES_EXPORTER", "jaeger")
	code, _, stderr := cli(t, "", "export", "--database", "sqlite:"+t.TempDir()+"/x.db")
	if code != 1 || !strings.Contains(stderr, "jaeger") {
		t.Fatalf("exit %d, stderr %q; want 1 and a message naming jaeger", code, stderr)
	}
	// A command that is not traced does not care.
	if code, _, stderr := cli(t, "", "migrate", "--database", "sqlite:"+t.TempDir()+"/y.db"); code != 0 {
		t.Fatalf("migrate: exit %d, %s", code, stderr)
	}
}

// The real `civicgraph serve`, told by OTEL_EXPORTER_OTLP_ENDPOINT to send
// its spans to an OTLP/HTTP receiver of the test's, answers one query in
// the caller's trace and is stopped with SIGTERM: the spans of the
// request, the operation and its SQL statements arrive, flushed at exit.
func TestServeSendsSpansToAnOTLPCollector(t *testing.T) {
	bin, err := buildServeBinary(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for name, url := range databases(t) {
		t.Run(name, func(t *testing.T) {
			const lines = `{"type":"Region","code":"S1","name":"粤海街道","level":"STREET"}
{"type":"Community","code":"C1","name":"海珠社区","kind":"URBAN","region":"S1","population":21000}
`
			if code, _, stderr := cli(t, lines, "import", "--database", url, "-"); code != 0 {
				t.Fatalf("import: %d %s", code, stderr)
			}
			code, out, stderr := cli(t, "", "apikey", "create", "--database", url, "--name", "e2e", "--role", "ADMIN")
			if code != 0 {
				t.Fatalf("apikey create: %d %s", code, stderr)
			}
			key := out[strings.LastIndex(strings.TrimSuffix(out, "\n"), "\n")+1 : len(out)-1]
			collector := newOTLPReceiver(t)
			p := startServingEnv(t, bin, url, []string{"OTEL_EXPORTER_OTLP_ENDPOINT=" + collector.url, "OTEL_SERVICE_NAME=civicgraph-e2e"})
			const traceID, parentID = "0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331"
			body := `{"query":"query E2E($name: String!) { communities(first: 3, where: {name: {neq: $name}}) { nodes { code region { code } } } }","variables":{"name":"欧阳秘密"}}`
			req, _ := http.NewRequest(http.MethodPost, p.public+"/graphql", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Traceparent", "00-"+traceID+"-"+parentID+"-01")
			req.Header.Set("Authorization", "Bearer "+key)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			answer, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK || bytes.Contains(answer, []byte(`"errors"`)) {
				t.Fatalf("query: %d %s", res.StatusCode, answer)
			}
			p.terminate(t)

			spans, services := collector.received()
			byID := map[string]*tracepb.Span{}
			var op *tracepb.Span
			for _, s := range spans {
				if hex.EncodeToString(s.TraceId) != traceID {
					continue
				}
				byID[hex.EncodeToString(s.SpanId)] = s
				if s.Name == "query E2E" {
					op = s
				}
			}
			if op == nil {
				t.Fatalf("no span of the operation in the caller's trace among %d spans received", len(spans))
			}
			request := byID[hex.EncodeToString(op.ParentSpanId)]
			if request == nil || request.Name != "POST /graphql" || hex.EncodeToString(request.ParentSpanId) != parentID {
				t.Errorf("the operation's parent is %v, want the request's span, the child of the caller's", request)
			}
			statements := 0
			for _, s := range byID {
				if s.Name == "db.query" && bytes.Equal(s.ParentSpanId, op.SpanId) {
					statements++
				}
				for _, a := range s.Attributes {
					if strings.Contains(a.Value.String(), "欧阳秘密") {
						t.Errorf("span %q carries the variable's value in %s", s.Name, a.Key)
					}
				}
			}
			if statements < 2 {
				t.Errorf("%d SQL spans under the operation, want at least 2 (its page and its regions)", statements)
			}
			if !services["civicgraph-e2e"] {
				t.Errorf("service names %v, want civicgraph-e2e (OTEL_SERVICE_NAME)", services)
			}
		})
	}
}

// otlpReceiver is an OTLP/HTTP trace receiver: it keeps every span sent
// to it.
type otlpReceiver struct {
	url string

	mu       sync.Mutex
	spans    []*tracepb.Span
	services map[string]bool
}

func newOTLPReceiver(t *testing.T) *otlpReceiver {
	r := &otlpReceiver{services: map[string]bool{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method != http.MethodPost || req.URL.Path != "/v1/traces" {
			http.NotFound(w, req)
			return
		}
		var body io.Reader = req.Body
		if req.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(req.Body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			body = zr
		}
		raw, err := io.ReadAll(body)
		var export coltracepb.ExportTraceServiceRequest
		if err == nil {
			err = proto.Unmarshal(raw, &export)
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.mu.Lock()
		for _, rs := range export.ResourceSpans {
			for _, a := range rs.GetResource().GetAttributes() {
				if a.Key == "service.name" {
					r.services[a.Value.GetStringValue()] = true
				}
			}
			for _, ss := range rs.ScopeSpans {
				r.spans = append(r.spans, ss.Spans...)
			}
		}
		r.mu.Unlock()
		out, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
		w.Header().Set("Content-Type", "application/x-protobuf")
		_, _ = w.Write(out)
	}))
	t.Cleanup(srv.Close)
	r.url = srv.URL
	return r
}

func (r *otlpReceiver) received() ([]*tracepb.Span, map[string]bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*tracepb.Span(nil), r.spans...), r.services
}
