package store

import (
	"context"
	"time"
)

// StatementObserver learns of every SQL statement a DB sends through its
// Query and Exec methods (or a Tx's): its kind (StatementQuery or
// StatementExec), how long the database took to answer — for a query,
// until its first rows are ready, not until they are read — and its error.
// It runs on every statement, on many goroutines at once: it must be quick
// and safe for concurrent use. Metrics implement it (package metrics); the
// store knows no more of them than this.
type StatementObserver interface {
	Statement(kind string, d time.Duration, err error)
}

// StatementTracer opens a span around every SQL statement a DB sends (see
// StatementObserver for which): Start is given the statement's context,
// kind and SQL text — placeholders only, never the values bound to them —
// and returns the context the statement runs in and what to call with its
// error when the database has answered. Tracing implements it (package
// tracing); like an observer it must be quick and safe for concurrent use.
type StatementTracer interface {
	StartStatement(ctx context.Context, kind, query string) (context.Context, func(error))
}

// The kinds of statement an observer is told of.
const (
	StatementQuery = "query"
	StatementExec  = "exec"
)

// SetObserver makes o learn of every statement sent from now on; nil
// stops it. Without an observer a statement costs one nil check more.
func (db *DB) SetObserver(o StatementObserver) {
	if o == nil {
		db.observer.Store(nil)
		return
	}
	db.observer.Store(&o)
}

// SetTracer makes t trace every statement sent from now on; nil stops it.
func (db *DB) SetTracer(t StatementTracer) {
	if t == nil {
		db.tracer.Store(nil)
		return
	}
	db.tracer.Store(&t)
}

// statement counts a statement of kind about to be sent and tells the
// observer and tracer, if any, of it: it returns the context to send it in
// and what to call with the statement's error once the database answered.
func (db *DB) statement(ctx context.Context, kind, query string) (context.Context, func(error)) {
	db.statements.Add(1)
	o, t := db.observer.Load(), db.tracer.Load()
	if o == nil && t == nil {
		return ctx, noStatementEnd
	}
	start := time.Now()
	endSpan := noStatementEnd
	if t != nil {
		ctx, endSpan = (*t).StartStatement(ctx, kind, query)
	}
	return ctx, func(err error) {
		if o != nil {
			(*o).Statement(kind, time.Since(start), err)
		}
		endSpan(err)
	}
}

func noStatementEnd(error) {}
