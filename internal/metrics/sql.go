package metrics

import (
	"time"

	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/prometheus/client_golang/prometheus"
)

// statementBuckets span 0.1 ms (a primary-key read on a warm connection)
// to 30 s (the default statement timeout).
var statementBuckets = []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}

// sqlMetrics count the statements of a store: it is the store's
// StatementObserver. The series of both kinds are made up front, so that
// a statement costs no label lookup.
type sqlMetrics struct {
	query, exec statementMetrics
}

type statementMetrics struct {
	total    prometheus.Counter
	duration prometheus.Observer
	errors   prometheus.Counter
}

var _ store.StatementObserver = (*sqlMetrics)(nil)

func newSQLMetrics(reg prometheus.Registerer) sqlMetrics {
	total := prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Name: "sql_statements_total",
		Help: "SQL statements sent through the store, by kind (query, exec).",
	}, []string{"kind"})
	duration := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: namespace, Name: "sql_statement_duration_seconds",
		Help: "Time the database took to answer a statement, by kind; for a query, until its first rows are ready " +
			"(reading them is not counted).",
		Buckets: statementBuckets,
	}, []string{"kind"})
	errs := prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Name: "sql_errors_total",
		Help: "SQL statements that failed (cancellations and timeouts included), by kind.",
	}, []string{"kind"})
	reg.MustRegister(total, duration, errs)
	of := func(kind string) statementMetrics {
		return statementMetrics{total.WithLabelValues(kind), duration.WithLabelValues(kind), errs.WithLabelValues(kind)}
	}
	return sqlMetrics{query: of(store.StatementQuery), exec: of(store.StatementExec)}
}

// Statement counts one statement (store.StatementObserver).
func (s *sqlMetrics) Statement(kind string, d time.Duration, err error) {
	m := &s.query
	if kind == store.StatementExec {
		m = &s.exec
	}
	m.total.Inc()
	m.duration.Observe(d.Seconds())
	if err != nil {
		m.errors.Inc()
	}
}
