package store

import (
	"context"
	"database/sql"
	"log/slog"
	"sync"
)

// readRoute is what ReadOnly puts in a context: the least change sequence
// the reads must see, and the replica they were given, so that every
// query of one operation reads from one database (two replicas replay at
// their own pace: a list from one and its details from another could
// disagree).
type readRoute struct {
	min int64

	mu      sync.Mutex
	picked  bool
	replica *replica // nil: the primary
	used    bool     // a replica served at least one query
}

type readRouteKey struct{}

// ReadOnly marks ctx's queries (DB.Query, not Exec nor transactions) as
// reads that a replica may serve, provided it has replayed the change
// sequence minSequence (0: any healthy replica). Every query under the
// returned context reads from the same database: the first one picks it.
// Mark only work that writes nothing and need not see writes made after
// minSequence, such as a GraphQL query operation.
func ReadOnly(ctx context.Context, minSequence int64) context.Context {
	return context.WithValue(ctx, readRouteKey{}, &readRoute{min: minSequence})
}

// ServedByReplica reports whether a replica served any query under ctx,
// which ReadOnly marked: its answer may be older than the primary's data.
func ServedByReplica(ctx context.Context) bool {
	rt, _ := ctx.Value(readRouteKey{}).(*readRoute)
	if rt == nil {
		return false
	}
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return rt.used
}

// target is the replica that serves the route's queries, nil for the
// primary; it picks one, round robin among those that qualify, the first
// time.
func (rt *readRoute) target(set *replicaSet) *replica {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if !rt.picked {
		rt.picked = true
		n := uint64(len(set.list))
		start := set.next.Add(1)
		for i := range n {
			if r := set.list[(start+i)%n]; r.usable(rt.min) {
				rt.replica = r
				break
			}
		}
	}
	if rt.replica != nil && !rt.replica.usable(rt.min) {
		// Taken out of service since (a failed query, a check): the
		// rest of the operation reads from the primary.
		rt.replica = nil
	}
	if rt.replica != nil {
		rt.used = true
	}
	return rt.replica
}

// abandon sends the route's remaining queries to the primary.
func (rt *readRoute) abandon() {
	rt.mu.Lock()
	rt.replica = nil
	rt.mu.Unlock()
}

// query runs a query, already rebound, on the database ctx's route picks:
// a replica for a ReadOnly context when one qualifies, else the primary.
// A replica that cannot be reached is taken out of service and the query
// runs again on the primary (a read can run twice); so does one the
// replica cancelled for a recovery conflict.
func (db *DB) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	set := db.replicas.Load()
	rt, _ := ctx.Value(readRouteKey{}).(*readRoute)
	if set != nil && rt != nil {
		if r := rt.target(set); r != nil {
			db.readsReplica.Add(1)
			rows, err := r.sql.QueryContext(ctx, query, args...)
			if err == nil || ctx.Err() != nil {
				return rows, err
			}
			switch {
			case IsUnavailable(err):
				slog.WarnContext(ctx, "read replica unavailable: taken out of service, reading from the primary", "replica", r.snapshot().URL, "err", err.Error())
				r.markDown(err)
			case isRecoveryConflict(err):
				// The replica is fine; this query met its replay.
			default:
				return rows, err
			}
			rt.abandon()
		}
	}
	db.readsPrimary.Add(1)
	return db.Bun.DB.QueryContext(ctx, query, args...)
}
