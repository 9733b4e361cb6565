package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// The code label of an operation that answered without errors, and of one
// whose first error's code does not look like one (codes are the server's
// own: graph.PresentError gives every error one of the API contract's).
const (
	CodeOK    = "OK"
	codeOther = "OTHER"
)

// The type label of an operation whose type is not known (its document
// did not parse or validate).
const typeUnknown = "unknown"

// isCode reports whether s looks like an error code of the API contract
// (BAD_USER_INPUT, RATE_LIMITED, ...): 1 to 32 of [A-Z_]. The contract's
// list is not repeated here, so that a code added to it (package apperr)
// is counted as itself at once.
func isCode(s string) bool {
	if len(s) == 0 || len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c != '_' && (c < 'A' || c > 'Z') {
			return false
		}
	}
	return true
}

// operationBuckets spans 1 ms to 30 s: a cached read answers in about a
// millisecond, the request timeout's default is 30 s.
var operationBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}

// operationMetrics count GraphQL operations.
type operationMetrics struct {
	total    *prometheus.CounterVec
	duration *prometheus.HistogramVec
	names    *operationNames
}

func newOperationMetrics(reg prometheus.Registerer) operationMetrics {
	o := operationMetrics{
		total: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "graphql_operations_total",
			Help: "GraphQL operations answered, by operation name (bounded: anonymous, invalid, other), " +
				"type (query, mutation, subscription; unknown when the document did not parse or validate) " +
				"and code (OK or the first error's extensions.code).",
		}, []string{"operation", "type", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Name: "graphql_operation_duration_seconds",
			Help: "Time from the start of a GraphQL operation to its (first) response, by operation name and type; " +
				"subscriptions are not timed.",
			Buckets: operationBuckets,
		}, []string{"operation", "type"}),
		names: &operationNames{},
	}
	reg.MustRegister(o.total, o.duration)
	return o
}

// Operation counts one GraphQL operation: its name (as sent; bounded
// here), type ("query", "mutation", "subscription"; anything else counts
// as "unknown"), code (CodeOK, or the extensions.code of its first error)
// and how long it took; took < 0 counts it without timing it (a
// subscription, or an operation whose start is not known).
func (m *Metrics) Operation(name, typ, code string, took time.Duration) {
	if m == nil {
		return
	}
	name = m.operations.names.label(NameOf(name))
	switch typ {
	case "query", "mutation", "subscription":
	default:
		typ = typeUnknown
	}
	if !isCode(code) {
		code = codeOther
	}
	m.operations.total.WithLabelValues(name, typ, code).Inc()
	if took >= 0 {
		m.operations.duration.WithLabelValues(name, typ).Observe(took.Seconds())
	}
}
