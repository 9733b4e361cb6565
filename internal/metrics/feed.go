package metrics

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/civicgraph/civicgraph/internal/changes"
	"github.com/civicgraph/civicgraph/internal/live"
	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/prometheus/client_golang/prometheus"
)

// feedReadTimeout bounds the one query a scrape sends: a scrape must not
// hang on a database that does not answer.
const feedReadTimeout = time.Second

// feedCollector reports the change feed's last committed sequence (read
// at scrape time: one MAX over the feed's primary key) and what the live
// hub has caught up to; see the package comment on roll-up lag.
type feedCollector struct {
	db  *atomic.Pointer[store.DB]
	hub *atomic.Pointer[live.Hub]

	sequence, liveSequence, followers *prometheus.Desc
	readErrors                        prometheus.Counter
}

func newFeedCollector(reg prometheus.Registerer, db *atomic.Pointer[store.DB], hub *atomic.Pointer[live.Hub]) *feedCollector {
	c := &feedCollector{
		db:  db,
		hub: hub,
		sequence: prometheus.NewDesc(prometheus.BuildFQName(namespace, "", "change_feed_sequence"),
			"The change feed's last committed sequence, read at scrape time (absent when it could not be read).", nil, nil),
		liveSequence: prometheus.NewDesc(prometheus.BuildFQName(namespace, "", "live_sequence"),
			"The last change-feed sequence this process's live hub has learned of and woken its followers for; "+
				"it stands still while no one follows.", nil, nil),
		followers: prometheus.NewDesc(prometheus.BuildFQName(namespace, "", "live_followers"),
			"Subscriptions following the change feed in this process now.", nil, nil),
		readErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: namespace, Name: "change_feed_read_errors_total",
			Help: "Scrapes that could not read the change feed's last sequence (within 1 s).",
		}),
	}
	reg.MustRegister(c.readErrors)
	return c
}

func (c *feedCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.sequence
	ch <- c.liveSequence
	ch <- c.followers
}

func (c *feedCollector) Collect(ch chan<- prometheus.Metric) {
	if db := c.db.Load(); db != nil {
		ctx, cancel := context.WithTimeout(context.Background(), feedReadTimeout)
		seq, err := changes.Last(ctx, db)
		cancel()
		if err != nil {
			c.readErrors.Inc()
		} else {
			ch <- prometheus.MustNewConstMetric(c.sequence, prometheus.GaugeValue, float64(seq))
		}
	}
	if hub := c.hub.Load(); hub != nil {
		ch <- prometheus.MustNewConstMetric(c.liveSequence, prometheus.GaugeValue, float64(hub.Sequence()))
		ch <- prometheus.MustNewConstMetric(c.followers, prometheus.GaugeValue, float64(hub.Followers()))
	}
}
