package metrics

import (
	"sync/atomic"

	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/prometheus/client_golang/prometheus"
)

// readCollector reports where the store's queries ran (the primary or a
// read replica, see store.OpenReplicas) and each replica's health, read
// at scrape time from the store's own counts and its last health checks.
type readCollector struct {
	db *atomic.Pointer[store.DB]

	reads, healthy, lag *prometheus.Desc
}

func newReadCollector(db *atomic.Pointer[store.DB]) *readCollector {
	return &readCollector{
		db: db,
		reads: prometheus.NewDesc(prometheus.BuildFQName(namespace, "sql", "reads_total"),
			"Queries run, by the database that served them: primary or replica (a query retried on the primary counts for both).", []string{"target"}, nil),
		healthy: prometheus.NewDesc(prometheus.BuildFQName(namespace, "replica", "healthy"),
			"1 when the read replica serves reads, 0 when it is skipped.", []string{"replica"}, nil),
		lag: prometheus.NewDesc(prometheus.BuildFQName(namespace, "replica", "lag_seconds"),
			"How long the read replica has been missing a change the primary had, at its last health check.", []string{"replica"}, nil),
	}
}

func (c *readCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.reads
	ch <- c.healthy
	ch <- c.lag
}

func (c *readCollector) Collect(ch chan<- prometheus.Metric) {
	db := c.db.Load()
	if db == nil {
		return
	}
	primary, replicas := db.Reads()
	ch <- prometheus.MustNewConstMetric(c.reads, prometheus.CounterValue, float64(primary), "primary")
	ch <- prometheus.MustNewConstMetric(c.reads, prometheus.CounterValue, float64(replicas), "replica")
	for _, r := range db.Replicas() {
		healthy := 0.0
		if r.Healthy {
			healthy = 1
		}
		// The label is the URL as given, password hidden: replicas
		// come from the command line, so they are few.
		ch <- prometheus.MustNewConstMetric(c.healthy, prometheus.GaugeValue, healthy, r.URL)
		ch <- prometheus.MustNewConstMetric(c.lag, prometheus.GaugeValue, r.Lag.Seconds(), r.URL)
	}
}
