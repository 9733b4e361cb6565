package metrics

import (
	"net/http"
	"sync/atomic"

	"github.com/civicgraph/civicgraph/internal/live"
	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// namespace prefixes every series of civicgraph's own.
const namespace = "civicgraph"

// Metrics owns a registry and the collectors civicgraph reports through
// it. Make one per process with New; a nil *Metrics records nothing.
type Metrics struct {
	registry *prometheus.Registry

	operations  operationMetrics
	http        *prometheus.CounterVec
	sql         sqlMetrics
	writes      writeMetrics
	rateLimited prometheus.Counter

	// What the scrape-time collectors read (nil: nothing to report).
	db  atomic.Pointer[store.DB]
	hub atomic.Pointer[live.Hub]
}

// New returns metrics with a registry of their own holding the Go runtime
// and process collectors and every civicgraph series. Those read at scrape
// time (pool, change feed, live hub) report nothing until ObserveStore and
// ObserveLive say what to read.
func New() *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		registry:    reg,
		operations:  newOperationMetrics(reg),
		http:        newHTTPMetrics(reg),
		sql:         newSQLMetrics(reg),
		writes:      newWriteMetrics(reg),
		rateLimited: newRateLimitMetrics(reg),
	}
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		newPoolCollector(&m.db),
		newReadCollector(&m.db), // reads by primary/replica, replica health (reads.go)
		newFeedCollector(reg, &m.db, &m.hub),
	)
	return m
}

// Handler serves the registry in the Prometheus exposition formats, for
// GET /metrics on the admin listener. A collector that fails (the change
// feed cannot be read) leaves its series out; the rest are still served.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{
		ErrorHandling:     promhttp.ContinueOnError,
		Registry:          m.registry, // promhttp_metric_handler_errors_total
		EnableOpenMetrics: true,
	})
}

// ObserveStore makes the metrics count db's SQL statements (through
// store.DB.SetObserver) and read its pool and change feed at scrape time.
// One store per Metrics: a second call replaces the first for the
// scrape-time series.
func (m *Metrics) ObserveStore(db *store.DB) {
	if m == nil || db == nil {
		return
	}
	m.db.Store(db)
	db.SetObserver(&m.sql)
}

// ObserveLive makes the metrics report hub's sequence and followers.
func (m *Metrics) ObserveLive(hub *live.Hub) {
	if m == nil || hub == nil {
		return
	}
	m.hub.Store(hub)
}
