package ingest

import (
	"context"
	"fmt"

	"github.com/civicgraph/civicgraph/internal/store"
)

// SQLite's defaults are made for small transactions. An import inserts into
// a dozen indexes of service_records at once, and profiling showed most of
// its time in file I/O of two kinds: with the default 2 MB page cache every
// insert evicts pages the next one needs, so the transaction spills dirty
// pages to the WAL and reads them back; and every multi-row statement copies
// the pages it changes into a statement journal, a temporary file. For the
// length of the import, its connection gets a larger cache and keeps
// temporary data (that journal) in memory; its own settings come back after.
// PostgreSQL needs nothing of the kind.

// importCacheKiB is the SQLite page cache of an import's connection.
const importCacheKiB = 64 << 10

// tuneForImport sets up the transaction's connection for a bulk write and
// returns what undoes it.
func tuneForImport(ctx context.Context, q store.Querier) (restore func(), err error) {
	if q.Dialect() != store.SQLite {
		return func() {}, nil
	}
	settings := []struct {
		pragma string
		value  int64
		old    int64
	}{{pragma: "cache_size", value: -importCacheKiB}}
	for i := range settings {
		s := &settings[i]
		rows, err := q.Query(ctx, "PRAGMA "+s.pragma)
		if err != nil {
			return nil, fmt.Errorf("import: read PRAGMA %s: %w", s.pragma, err)
		}
		for rows.Next() {
			err = rows.Scan(&s.old)
		}
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("import: read PRAGMA %s: %w", s.pragma, err)
		}
		if _, err := q.Exec(ctx, fmt.Sprintf("PRAGMA %s = %d", s.pragma, s.value)); err != nil {
			return nil, fmt.Errorf("import: set PRAGMA %s: %w", s.pragma, err)
		}
	}
	return func() {
		for _, s := range settings {
			q.Exec(context.WithoutCancel(ctx), fmt.Sprintf("PRAGMA %s = %d", s.pragma, s.old)) //nolint:errcheck // best effort on the way out
		}
	}, nil
}
