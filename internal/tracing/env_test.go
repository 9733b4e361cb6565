package tracing

import (
	"context"
	"strings"
	"testing"
)

func TestExporterFromEnv(t *testing.T) {
	for _, c := range []struct {
		name string
		env  map[string]string
		want string // "" off
		err  string // a part of the error; "" none
	}{
		{"nothing set: off", nil, "", ""},
		{"otlp", map[string]string{"OTEL_TRACES_EXPORTER": "otlp"}, exporterOTLP, ""},
		{"console, any case", map[string]string{"OTEL_TRACES_EXPORTER": " Console "}, exporterConsole, ""},
		{"an endpoint alone", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, exporterOTLP, ""},
		{"a traces endpoint alone", map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector:4318/v1/traces"}, exporterOTLP, ""},
		{"none wins over an endpoint", map[string]string{"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"}, "", ""},
		{"the SDK disabled", map[string]string{"OTEL_SDK_DISABLED": "true", "OTEL_TRACES_EXPORTER": "otlp"}, "", ""},
		{"the SDK disabled, even with a bad exporter", map[string]string{"OTEL_SDK_DISABLED": "TRUE", "OTEL_TRACES_EXPORTER": "jaeger"}, "", ""},
		{"OTEL_SDK_DISABLED=false", map[string]string{"OTEL_SDK_DISABLED": "false", "OTEL_TRACES_EXPORTER": "otlp"}, exporterOTLP, ""},
		{"jaeger", map[string]string{"OTEL_TRACES_EXPORTER": "jaeger"}, "", `OTEL_TRACES_EXPORTER="jaeger"`},
		{"zipkin beside otlp", map[string]string{"OTEL_TRACES_EXPORTER": "otlp,zipkin"}, "", "zipkin"},
		{"two exporters", map[string]string{"OTEL_TRACES_EXPORTER": "otlp,console"}, "", "one exporter"},
		{"the same twice", map[string]string{"OTEL_TRACES_EXPORTER": "otlp, otlp"}, exporterOTLP, ""},
		{"OTLP over gRPC", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4317", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}, "", "http/protobuf"},
		{"the traces protocol wins", map[string]string{"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "http/protobuf"}, exporterOTLP, ""},
		{"the protocol does not matter to console", map[string]string{"OTEL_TRACES_EXPORTER": "console", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}, exporterConsole, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := exporterFromEnv(func(k string) string { return c.env[k] })
			switch {
			case c.err == "" && err != nil:
				t.Fatalf("error %v", err)
			case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
				t.Fatalf("error %v, want one saying %q", err, c.err)
			case got != c.want:
				t.Fatalf("exporter %q, want %q", got, c.want)
			}
		})
	}
}

// clearOTEL unsets, for the test, every variable Setup reads, so that the
// machine's environment does not decide the test.
func clearOTEL(t *testing.T) {
	for _, k := range []string{"OTEL_SDK_DISABLED", "OTEL_TRACES_EXPORTER", "OTEL_EXPORTER_OTLP_ENDPOINT",
		"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"} {
		t.Setenv(k, "")
	}
}

func TestSetup(t *testing.T) {
	ctx := context.Background()
	t.Run("off", func(t *testing.T) {
		clearOTEL(t)
		shutdown, err := Setup(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if Provider() != nil {
			t.Error("tracing is on without any OTEL_* variable")
		}
		if err := shutdown(ctx); err != nil {
			t.Error(err)
		}
	})
	t.Run("unsupported exporter", func(t *testing.T) {
		clearOTEL(t)
		t.Setenv("OTEL_TRACES_EXPORTER", "zipkin")
		if _, err := Setup(ctx); err == nil || !strings.Contains(err.Error(), "zipkin") {
			t.Fatalf("error %v, want one naming zipkin", err)
		}
		if Provider() != nil {
			t.Error("tracing is on after a refused setup")
		}
	})
	t.Run("on", func(t *testing.T) {
		clearOTEL(t)
		// An endpoint nothing listens on: nothing is sent before the
		// shutdown, whose flush has no spans to send.
		t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9")
		t.Setenv("OTEL_SERVICE_NAME", "civicgraph-test")
		shutdown, err := Setup(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if Provider() == nil {
			t.Fatal("OTEL_EXPORTER_OTLP_ENDPOINT did not turn tracing on")
		}
		if err := shutdown(ctx); err != nil {
			t.Fatal(err)
		}
		if Provider() != nil {
			t.Error("tracing is still on after its shutdown")
		}
	})
}
