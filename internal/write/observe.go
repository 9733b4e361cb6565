package write

import "context"

// Observer learns what each committed write changed: how many entity rows
// of each type (metrics count ingestion throughput with it). It hears of a
// write only once its transaction has committed, never of one rolled back.
// It must be safe for concurrent use.
type Observer interface {
	RowsWritten(typ string, n int)
}

type observerKey struct{}

// WithObserver returns ctx whose writes tell o what they changed. It goes
// by context because writers make a Service per call (graph.Resolver's
// writes), and a server observes every write made for its requests.
func WithObserver(ctx context.Context, o Observer) context.Context {
	return context.WithValue(ctx, observerKey{}, o)
}

// observerOf is ctx's observer, nil when none.
func observerOf(ctx context.Context) Observer {
	o, _ := ctx.Value(observerKey{}).(Observer)
	return o
}

// written tallies the rows the transaction changed, by entity type, from
// its audit entries: the audit trail has exactly one per row a write
// changed. Call it before writeAudit, which spends them.
func (t *txn) written() map[string]int {
	n := map[string]int{}
	for _, e := range t.audit {
		n[e.Entity]++
	}
	return n
}

// report tells o what a committed transaction wrote.
func report(o Observer, written map[string]int) {
	for typ, n := range written {
		o.RowsWritten(typ, n)
	}
}
