package tracing

import (
	"fmt"
	"strings"
)

// The exporters Setup can send spans to, as OTEL_TRACES_EXPORTER names
// them.
const (
	exporterOTLP    = "otlp"    // OTLP over HTTP/protobuf (otlptracehttp)
	exporterConsole = "console" // one JSON line per span on standard error
)

// exporterFromEnv reads the standard OpenTelemetry variables through
// getenv and says where spans go: "" when tracing is off, else
// exporterOTLP or exporterConsole.
//
// Tracing is opt-in: it is on when OTEL_TRACES_EXPORTER asks for an
// exporter, or when an OTLP endpoint is configured without it (the
// collector's address is the one thing an operator must say anyway).
// OTEL_SDK_DISABLED=true and OTEL_TRACES_EXPORTER=none turn it off over
// everything else. An exporter or OTLP protocol this binary does not have
// is an error: silently tracing nothing would leave the operator looking
// for spans that never come.
func exporterFromEnv(getenv func(string) string) (string, error) {
	if strings.EqualFold(strings.TrimSpace(getenv("OTEL_SDK_DISABLED")), "true") {
		return "", nil
	}
	exporter := ""
	// The specification allows a comma-separated list; one exporter is
	// what civicgraph sends to, so a list must name a single one.
	for _, name := range strings.Split(getenv("OTEL_TRACES_EXPORTER"), ",") {
		name = strings.ToLower(strings.TrimSpace(name))
		switch {
		case name == "":
		case name == "none":
			return "", nil
		case name != exporterOTLP && name != exporterConsole:
			return "", fmt.Errorf("OTEL_TRACES_EXPORTER=%q: civicgraph exports spans with %q (OTLP over HTTP) or %q only", getenv("OTEL_TRACES_EXPORTER"), exporterOTLP, exporterConsole)
		case exporter != "" && exporter != name:
			return "", fmt.Errorf("OTEL_TRACES_EXPORTER=%q: civicgraph exports spans to one exporter; name %q or %q", getenv("OTEL_TRACES_EXPORTER"), exporterOTLP, exporterConsole)
		default:
			exporter = name
		}
	}
	if exporter == "" && (getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != "") {
		exporter = exporterOTLP
	}
	if exporter == exporterOTLP {
		for _, v := range []string{"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"} {
			if p := strings.TrimSpace(getenv(v)); p != "" {
				if p != "http/protobuf" {
					return "", fmt.Errorf("%s=%q: civicgraph sends OTLP as %q only", v, p, "http/protobuf")
				}
				break // the traces-specific variable wins over the general one
			}
		}
	}
	return exporter, nil
}
