package metrics

import (
	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/prometheus/client_golang/prometheus"
)

// writeMetrics count what the server's writes commit.
type writeMetrics struct {
	rows *prometheus.CounterVec
}

func newWriteMetrics(reg prometheus.Registerer) writeMetrics {
	w := writeMetrics{
		rows: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "rows_written_total",
			Help: "Entity rows created, changed, archived or restored by committed writes of this server " +
				"(mutations, recordServices), by entity type.",
		}, []string{"type"}),
	}
	reg.MustRegister(w.rows)
	return w
}

// RowsWritten counts n rows of entity type typ that a write committed (the
// server hands the metrics to package write as its write.Observer). A type
// outside the catalog counts as "other".
func (m *Metrics) RowsWritten(typ string, n int) {
	if m == nil || n <= 0 {
		return
	}
	if _, ok := store.Catalog[typ]; !ok {
		typ = "other"
	}
	m.writes.rows.WithLabelValues(typ).Add(float64(n))
}
