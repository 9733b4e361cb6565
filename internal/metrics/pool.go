package metrics

import (
	"sync/atomic"

	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/prometheus/client_golang/prometheus"
)

// poolCollector reports the store's connection pool as database/sql counts
// it, read at scrape time: nothing is counted between scrapes.
type poolCollector struct {
	db *atomic.Pointer[store.DB]

	open, inUse, idle, maxOpen, waits, waited *prometheus.Desc
}

func newPoolCollector(db *atomic.Pointer[store.DB]) *poolCollector {
	desc := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc(prometheus.BuildFQName(namespace, "db", name), help, nil, nil)
	}
	return &poolCollector{
		db:      db,
		open:    desc("open_connections", "Connections to the database open now, in use or idle."),
		inUse:   desc("in_use_connections", "Connections running a statement or holding a transaction now."),
		idle:    desc("idle_connections", "Open connections idle in the pool now."),
		maxOpen: desc("max_open_connections", "The most connections the pool opens at once."),
		waits:   desc("wait_count_total", "Times a statement waited for a connection because the pool was full."),
		waited:  desc("wait_seconds_total", "Time statements spent waiting for a connection."),
	}
}

func (c *poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.open, c.inUse, c.idle, c.maxOpen, c.waits, c.waited} {
		ch <- d
	}
}

func (c *poolCollector) Collect(ch chan<- prometheus.Metric) {
	db := c.db.Load()
	if db == nil {
		return
	}
	s := db.Bun.DB.Stats()
	gauge := func(d *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v)
	}
	gauge(c.open, float64(s.OpenConnections))
	gauge(c.inUse, float64(s.InUse))
	gauge(c.idle, float64(s.Idle))
	gauge(c.maxOpen, float64(s.MaxOpenConnections))
	ch <- prometheus.MustNewConstMetric(c.waits, prometheus.CounterValue, float64(s.WaitCount))
	ch <- prometheus.MustNewConstMetric(c.waited, prometheus.CounterValue, s.WaitDuration.Seconds())
}
