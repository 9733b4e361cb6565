package store

import "time"

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

// observe tells o of a statement of kind that started at start and ended
// with *err; the methods that run statements defer it.
func observe(o StatementObserver, kind string, start time.Time, err *error) {
	o.Statement(kind, time.Since(start), *err)
}
