package ingest

import (
	"context"
	"fmt"

	"github.com/civicgraph/civicgraph/internal/store"
)

// SQLite's defaults are made for small transactions. An import inserts into
// a dozen indexes of service_records at once, and profiling showed most of
// its time in file I/O: with the default 2 MB page cache every insert evicts
// pages the next one needs, so the transaction spills dirty pages to the WAL
// and reads them back. For the length of the import, its connection gets a
// larger cache; its own setting comes back after. The cache is a bound, not
// an allocation: a small import uses little of it. 64 MB, not more: 256 MB
// made a 300,000-record import 10 % faster but its peak RSS twice as large
// (545 against 258 MB; a million records 1.15 GB), and memory is the scarcer
// on the shared machines civicgraph runs on (bench/README.md, "Import: what
// it costs"). PostgreSQL needs nothing of the kind.

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
