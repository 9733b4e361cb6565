package rollup

import (
	"context"
	"fmt"

	"github.com/civicgraph/civicgraph/internal/store"
)

// Two PostgreSQL transactions recounting the same key at once would each
// delete the rows they can see and insert their own count: under READ
// COMMITTED the second's DELETE does not see the first's new rows, and the
// key ends up counted twice. So a recount first takes a transaction-level
// advisory lock, held until its transaction ends: recounts run one at a
// time, each after the last one committed, and each statement then sees
// every committed change. The writes to the base tables themselves are not
// held up. SQLite runs one writing transaction at a time anyway.

// lockKey is the advisory lock of the roll-ups ("civicgraph rollup").
const lockKey int64 = 0x63697669_726f6c6c

// lock waits until no other transaction is recounting roll-ups.
func lock(ctx context.Context, q store.Querier) error {
	if q.Dialect() != store.Postgres {
		return nil
	}
	if _, err := q.Exec(ctx, "SELECT pg_advisory_xact_lock(?)", lockKey); err != nil {
		return fmt.Errorf("lock the roll-ups: %w", err)
	}
	return nil
}
