package metrics

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
)

func newHTTPMetrics(reg prometheus.Registerer) *prometheus.CounterVec {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Name: "http_requests_total",
		Help: "HTTP requests answered on the public listener, by route (/graphql, /export, /, other) and status.",
	}, []string{"path", "status"})
	reg.MustRegister(c)
	return c
}

// Request counts one HTTP request answered with status on route, which
// the caller reduces to a fixed set of its routes (the server: /graphql,
// /export, /, other): never a raw path, which a client chooses.
func (m *Metrics) Request(route string, status int) {
	if m == nil {
		return
	}
	s := "other"
	if status >= 100 && status <= 599 {
		s = strconv.Itoa(status)
	}
	m.http.WithLabelValues(route, s).Inc()
}
