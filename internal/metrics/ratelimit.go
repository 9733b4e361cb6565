package metrics

import "github.com/prometheus/client_golang/prometheus"

func newRateLimitMetrics(reg prometheus.Registerer) prometheus.Counter {
	c := prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: namespace, Name: "rate_limited_total",
		Help: "Operations (over HTTP or a websocket) and exports refused by the rate limiter with RATE_LIMITED.",
	})
	reg.MustRegister(c)
	return c
}

// RateLimited counts one operation refused by the rate limiter.
func (m *Metrics) RateLimited() {
	if m == nil {
		return
	}
	m.rateLimited.Inc()
}
